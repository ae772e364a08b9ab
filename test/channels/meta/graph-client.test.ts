import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGraphClient } from '../../../src/channels/meta/graph-client.ts';
import { AppError } from '../../../src/core/errors.ts';
import { FAKE_WHATSAPP, type FakeMetaGraph, startFakeMetaGraph } from '../../fakes/meta-graph.ts';
import { graphEnvironment } from './support.ts';

const token = FAKE_WHATSAPP.accessToken;
const path = `${FAKE_WHATSAPP.phoneNumberId}/messages`;
const read = { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.1' };
let fake: FakeMetaGraph;

beforeEach(async () => {
  fake = await startFakeMetaGraph();
});

afterEach(async () => {
  await fake.close();
});

/** The AppError a call rejects with. */
async function failureOf(call: Promise<unknown>): Promise<AppError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

function everythingShown(error: AppError): string {
  return [error.message, JSON.stringify(error), String(error.cause), error.stack].join('\n');
}

const graphError = (code: number, message: string, extra: Record<string, unknown> = {}) => ({
  error: { message, type: 'OAuthException', code, fbtrace_id: 'Atrace', ...extra },
});

describe('Graph client', () => {
  it('calls <base>/<version>/<path> with the token as a Bearer header, never in the URL', async () => {
    const client = createGraphClient(graphEnvironment(fake.baseUrl), token);
    expect(await client.get(FAKE_WHATSAPP.phoneNumberId, { fields: 'verified_name' })).toMatchObject({
      verified_name: FAKE_WHATSAPP.verifiedName,
    });
    expect(fake.calls[0]).toMatchObject({
      method: 'GET',
      version: 'v21.0',
      path: `/${FAKE_WHATSAPP.phoneNumberId}`,
      token,
      query: { fields: 'verified_name' },
    });
    expect(JSON.stringify(fake.calls[0]!.query)).not.toContain(token);
  });

  it('uses the configured Graph version', async () => {
    const client = createGraphClient(
      { ...graphEnvironment(fake.baseUrl), metaGraphApiVersion: 'v25.0' },
      token,
    );
    await client.post(path, read);
    expect(fake.calls[0]!.version).toBe('v25.0');
  });

  it.each([
    ['HTTP 429', 429, graphError(4, '(#4) Application request limit reached')],
    ['code 4 with HTTP 400', 400, graphError(4, '(#4) Application request limit reached')],
    ['code 80007 (WhatsApp account rate)', 400, graphError(80007, 'Rate limit issues')],
    ['code 130429 (WhatsApp throughput)', 400, graphError(130429, 'Rate limit hit')],
    [
      'code 131056 (pair rate)',
      400,
      graphError(131056, '(Business Account, Consumer Account) pair rate limit hit'),
    ],
  ])('maps %s to a retryable rate limit', async (_name, status, body) => {
    fake.fail(`/${path}`, [{ status, body }]);
    const error = await failureOf(createGraphClient(graphEnvironment(fake.baseUrl), token).post(path, read));
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.retryable).toBe(true);
  });

  it('honours Retry-After in seconds and as a date', async () => {
    fake.fail(`/${path}`, [
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() } },
      { status: 429 },
    ]);
    const client = createGraphClient(graphEnvironment(fake.baseUrl), token);
    const seconds = await failureOf(client.post(path, read));
    expect(seconds.retryAfterMs).toBe(7000);
    expect(seconds.message).toContain('retry after 7 s');
    const date = await failureOf(client.post(path, read));
    expect(date.retryAfterMs).toBeGreaterThan(25_000);
    expect(date.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect((await failureOf(client.post(path, read))).retryAfterMs).toBeUndefined();
  });

  it.each([
    ['HTTP 500', 500, graphError(2, 'Service temporarily unavailable')],
    ['HTTP 503 without a body Graph would send', 503, 'upstream connect error'],
    [
      'a transient error with HTTP 400',
      400,
      graphError(1, 'An unknown error occurred', { is_transient: true }),
    ],
  ])('maps %s to a retryable outage', async (_name, status, body) => {
    fake.fail(`/${path}`, [{ status, body }]);
    const error = await failureOf(createGraphClient(graphEnvironment(fake.baseUrl), token).post(path, read));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });

  it('maps any other error to a permanent rejection quoting code, message and details', async () => {
    fake.fail(`/${path}`, [
      {
        status: 400,
        body: graphError(131047, 'Re-engagement message', {
          error_data: { details: 'More than 24 hours have passed since the recipient last replied.' },
        }),
      },
    ]);
    const error = await failureOf(createGraphClient(graphEnvironment(fake.baseUrl), token).post(path, read));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('code 131047: Re-engagement message: More than 24 hours');
  });

  it('rejects a token Meta does not know, without quoting the token', async () => {
    const wrong = 'EAAwrongToken1234567890';
    const error = await failureOf(createGraphClient(graphEnvironment(fake.baseUrl), wrong).post(path, read));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.message).toContain('code 190');
    expect(everythingShown(error)).not.toContain(wrong);
  });

  it('removes the token from an error text that quotes it', async () => {
    fake.fail(`/${path}`, [{ status: 400, body: graphError(100, `Malformed access token ${token}`) }]);
    const error = await failureOf(createGraphClient(graphEnvironment(fake.baseUrl), token).post(path, read));
    expect(everythingShown(error)).not.toContain(token);
    expect(error.message).toContain('<secret>');
  });

  it('treats a 200 that is not a JSON object as an outage', async () => {
    fake.fail(`/${path}`, [{ status: 200, body: ['not', 'an', 'object'] }]);
    const error = await failureOf(createGraphClient(graphEnvironment(fake.baseUrl), token).post(path, read));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
  });

  it('maps a refused connection and a dropped connection to a retryable network error', async () => {
    const closed = await startFakeMetaGraph();
    await closed.close();
    const refused = await failureOf(
      createGraphClient(graphEnvironment(closed.baseUrl), token).post(path, read),
    );
    expect(refused.code).toBe('NETWORK_ERROR');
    expect(refused.retryable).toBe(true);
    expect(refused.message).toContain('ECONNREFUSED');

    fake.fail(`/${path}`, [{ status: 0 }]);
    const dropped = await failureOf(
      createGraphClient(graphEnvironment(fake.baseUrl), token).post(path, read),
    );
    expect(dropped.code).toBe('NETWORK_ERROR');
  });

  it('gives up on a call that takes longer than its timeout', async () => {
    fake.fail(`/${path}`, [{ status: 200, body: { success: true }, delayMs: 2_000 }]);
    const started = Date.now();
    const error = await failureOf(
      createGraphClient(graphEnvironment(fake.baseUrl), token, { timeoutMs: 200 }).post(path, read),
    );
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toContain('did not answer');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("maps a proxy's HTML error page to an outage", async () => {
    const server = createServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html>Bad gateway</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const error = await failureOf(
        createGraphClient(graphEnvironment(`http://127.0.0.1:${port}`), token).post(path, read),
      );
      expect(error.code).toBe('PROVIDER_UNAVAILABLE');
      expect(error.message).toContain('HTTP 502');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
