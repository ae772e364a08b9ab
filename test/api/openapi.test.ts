import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../src/core/errors.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { registeredRoutes } from '../support/routes.ts';
import { launchChromium } from '../web/browser.ts';

interface Operation {
  parameters?: Array<{ in: string; name: string; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  security?: unknown[];
}
interface Schema {
  properties?: { error?: { enum?: string[] } };
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/** Routes that serve the document and its UI; they are not part of the API they describe. */
// The voice sockets are WebSocket upgrades, which OpenAPI cannot describe (@fastify/websocket hides them).
const undocumented = (route: string) =>
  /^GET \/(docs(\/.*)?|openapi\.json|voice\/(relay|stream)\/:tenantSlug)$/.test(route);

const METHODS_WITH_BODY = ['POST', 'PUT', 'PATCH'];
/** Writes that take no body: the path says it all. Any other write must describe its body. */
const bodiless = new Set([
  'POST /admin/actions/:id/approve',
  'POST /admin/actions/:id/reject',
  'POST /admin/conversations/:id/takeover',
  'POST /admin/conversations/:id/handback',
  'POST /admin/conversations/:id/close',
  'POST /admin/conversations/:id/reopen',
  'POST /admin/connector-hub/:id/test',
  'POST /admin/integrations/:provider/disconnect',
  'POST /admin/channels/whatsapp_qr/connect',
  'POST /admin/channels/whatsapp_qr/logout',
  'POST /auth/logout',
]);
/** Routes whose success is a redirect (302 with a Location), not a body: the OAuth connect flow. */
const redirecting = new Set(['GET /admin/integrations/:provider/connect', 'GET /oauth/callback/:provider']);
/** Routes that only ever refuse: a channel that does not exist, metrics while they are off (as here). */
const refusing = new Set(['POST /webhook/:channel/:tenantSlug', 'GET /metrics']);

/** What is missing from the document for one registered route ("METHOD /path"), if anything. */
function problemsOf(route: string, document: Document): string[] {
  const [method, url] = route.split(' ') as [string, string];
  const openapiPath = url.replace(/:(\w+)/g, '{$1}');
  const operation = document.paths[openapiPath]?.[method.toLowerCase()];
  if (!operation) return [`${route}: not in the document`];
  const problems: string[] = [];
  const parameters = operation.parameters ?? [];
  for (const [, name] of url.matchAll(/:(\w+)/g)) {
    if (
      !parameters.some((parameter) => parameter.in === 'path' && parameter.name === name && parameter.schema)
    )
      problems.push(`${route}: path parameter ${name} has no schema`);
  }
  if (METHODS_WITH_BODY.includes(method) && !bodiless.has(route) && !operation.requestBody?.content)
    problems.push(`${route}: no request body schema`);
  const responses = Object.entries(operation.responses ?? {});
  const success = responses.filter(([status]) => status.startsWith('2'));
  if (success.length === 0 && !refusing.has(route) && !redirecting.has(route))
    problems.push(`${route}: no success response`);
  for (const [status, response] of success) {
    if (status !== '204' && !Object.values(response.content ?? {}).some((content) => content.schema))
      problems.push(`${route}: response ${status} has no schema`);
  }
  const errors = responses.filter(([status]) => /^[45]/.test(status));
  if (errors.length === 0) problems.push(`${route}: no error responses`);
  for (const [status, response] of errors) {
    const codes = response.content?.['application/json']?.schema?.properties?.error?.enum ?? [];
    if (codes.length === 0) problems.push(`${route}: response ${status} names no error code`);
    for (const code of codes) {
      const known = errorCatalogue[code as keyof typeof errorCatalogue];
      if (known?.status !== Number(status))
        problems.push(
          `${route}: response ${status} names ${code}, which is not a ${status} in the catalogue`,
        );
    }
  }
  return problems;
}

describe('the OpenAPI document', () => {
  let store: TestStore;
  let telegram: FakeTelegram;
  let gateway: TestGateway;
  let emptyWebRoot: string;
  let document: Document;

  beforeAll(async () => {
    store = await createTestStore();
    telegram = await startFakeTelegram({ tokens: [FAKE_BOT_TOKEN] });
    // No built workspace: `/` is then the gateway's own route, which the document must describe.
    emptyWebRoot = await mkdtemp(path.join(tmpdir(), 'switchboard-no-web-'));
    gateway = await startTestGateway({ store, telegram, webRoot: emptyWebRoot });
    const response = await gateway.request({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    document = response.json();
  });

  afterAll(async () => {
    await gateway?.close();
    await telegram?.close();
    await store?.dispose();
    await rm(emptyWebRoot, { recursive: true, force: true });
  });

  it('is OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes every registered route with its parameters, body, answers and error codes', () => {
    const routes = registeredRoutes(gateway.app).filter((route) => !undocumented(route));
    // The walk must see the routes of every group, or it proves nothing.
    for (const expected of [
      'POST /admin/tenants',
      'GET /admin/analytics/messages',
      'POST /analytics/batch',
      'POST /webhook/telegram/:tenantSlug',
      'GET /webhook/whatsapp/:tenantSlug',
      'GET /healthz',
      'GET /',
    ])
      expect(routes).toContain(expected);
    expect(routes.flatMap((route) => problemsOf(route, document))).toEqual([]);
  });

  it('lists no operation that is not a registered route', () => {
    const registered = new Set(
      registeredRoutes(gateway.app).map((route) => route.replace(/:(\w+)/g, '{$1}').toLowerCase()),
    );
    const documented = Object.entries(document.paths).flatMap(([url, operations]) =>
      Object.keys(operations).map((method) => `${method} ${url}`.toLowerCase()),
    );
    expect(documented.filter((operation) => !registered.has(operation))).toEqual([]);
  });

  it('says how each group authenticates', () => {
    expect(document.paths['/admin/tenants']?.post?.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(document.paths['/analytics/track']?.post?.security).toEqual([{ writeKey: [] }]);
    expect(document.paths['/webhook/telegram/{tenantSlug}']?.post?.security).toBeUndefined();
  });

  it('holds no secret, not even as an example', () => {
    const text = JSON.stringify(document);
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(text).not.toContain(FAKE_BOT_TOKEN);
    expect(text).not.toMatch(/sb[at]_[A-Za-z0-9_-]{20,}/);
    expect(text).not.toMatch(/"examples?"/);
  });

  it('serves the interactive UI at /docs, reading the same document', async () => {
    const page = await gateway.request({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('swagger-ui');
    const script = page.body.match(/src="\.?\/?((?:docs\/)?static\/swagger-ui-bundle\.js)"/)?.[1];
    expect(script, 'the page loads the Swagger UI bundle').toBeDefined();
    const bundle = await gateway.request({ method: 'GET', url: `/docs/static/swagger-ui-bundle.js` });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toContain('javascript');
    const json = await gateway.request({ method: 'GET', url: '/docs/json' });
    expect(json.json()).toEqual(document);
  });

  it('renders every group’s operations in a real browser at /docs', async () => {
    await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = gateway.app.server.address() as { port: number };
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/docs`);
      const paths = page.locator('.opblock-summary-path');
      await expect.poll(() => paths.count(), { timeout: 60_000, interval: 200 }).toBeGreaterThan(40);
      const shown = await paths.allTextContents();
      for (const path of ['/admin/tenants', '/analytics/batch', '/webhook/telegram/{tenantSlug}', '/healthz'])
        expect(shown.map((text) => text.replace(/\u200b/g, ''))).toContain(path);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('is where `/` sends a visitor while the workspace is not built', async () => {
    const home = await gateway.request({ method: 'GET', url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.json().links.api).toBe('/docs');
  });

  it('keeps the validation contract: 400 VALIDATION_FAILED naming the part, the field and the problem', async () => {
    const invalid = [
      [{ method: 'POST', url: '/admin/tenants', payload: { slug: 'x', name: 'X' } }, 'invalid body: slug: '],
      [{ method: 'GET', url: '/admin/audit-log?limit=0' }, 'invalid query: limit: '],
    ] as const;
    for (const [request, start] of invalid) {
      const response = await gateway.request({ token: ADMIN_TOKEN, ...request });
      expect(response.statusCode, request.url).toBe(400);
      expect(response.json().error).toBe('VALIDATION_FAILED');
      expect(response.json().message.startsWith(start), response.json().message).toBe(true);
    }
  });
});
