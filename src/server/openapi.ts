import { readFileSync } from 'node:fs';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { createJsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ErrorCode, errorCatalogue } from '../core/errors.ts';
import { useZodSchemas } from './validate.ts';

/** Where the document and its UI are served. */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PREFIX = '/docs';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The codes behind each error response schema, so that schemas can be merged by status. */
const codesOf = new WeakMap<z.ZodType, ErrorCode[]>();

/** The body of every error: a catalogue code and a message for people. */
function errorBody(codes: ErrorCode[]): z.ZodType {
  const schema = z
    .object({
      error: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string().describe('what was wrong, for people; never parse it'),
    })
    .describe(codes.join(' or '));
  codesOf.set(schema, codes);
  return schema;
}

/**
 * The error responses of a route, one per status, each naming the catalogue codes the route
 * answers with (`src/core/errors.ts`). Spread into `schema.response`.
 */
export function errorResponses(...codes: ErrorCode[]): Record<number, z.ZodType> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const { status } = errorCatalogue[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, errorBody(list)]));
}

/** A 204 answer: nothing in the body. */
export const noContent = z.undefined().describe('done; no body');

/** Adds codes to a route's documented error responses, keeping the codes it names itself. */
function withErrors(response: Record<string, unknown>, codes: ErrorCode[]): Record<string, unknown> {
  const merged = { ...response };
  for (const [status, schema] of Object.entries(errorResponses(...codes))) {
    const existing = merged[status];
    const known = existing ? codesOf.get(existing as z.ZodType) : undefined;
    if (existing && !known) continue;
    merged[status] = known
      ? errorResponses(...known, ...(codesOf.get(schema) ?? []))[Number(status)]
      : schema;
  }
  return merged;
}

/** What a success answer is called when its schema does not say. */
const successes: Record<string, string> = { 200: 'OK', 201: 'created', 202: 'accepted' };

/** Names each undescribed success answer, which the document would otherwise call "Default Response". */
function withSuccessNames(response: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(response).map(([status, schema]) => [
      status,
      schema instanceof z.ZodType && !schema.description && successes[status]
        ? schema.describe(successes[status])
        : schema,
    ]),
  );
}

/** What every route of a group shares: its tag, how callers authenticate, the errors any of them can meet. */
interface Group {
  prefix: string;
  tag: string;
  security?: Array<Record<string, string[]>>;
  errors: ErrorCode[];
  headers?: z.ZodObject;
  /** Bodies reach the handler as raw bytes (webhooks), so they are never malformed JSON. */
  rawBodies?: true;
}

const adminHeaders = z
  .object({
    'x-tenant': z
      .string()
      .optional()
      .describe('with the admin token: the slug of the tenant the request acts for'),
  })
  .loose();

const groups: Group[] = [
  {
    prefix: '/admin/analytics',
    tag: 'analytics',
    security: [{ bearer: [] }, { session: [] }],
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'UNKNOWN_TENANT', 'BAD_REQUEST'],
    headers: adminHeaders,
  },
  {
    prefix: '/admin/',
    tag: 'admin',
    security: [{ bearer: [] }, { session: [] }],
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'UNKNOWN_TENANT', 'BAD_REQUEST'],
    headers: adminHeaders,
  },
  { prefix: '/analytics/', tag: 'analytics', security: [{ writeKey: [] }], errors: ['UNAUTHORIZED'] },
  { prefix: '/webhook/', tag: 'webhooks', errors: [], rawBodies: true },
  { prefix: '/auth/', tag: 'staff sessions', errors: [] },
  { prefix: '/', tag: 'operations', errors: [] },
];

/** Errors that any route with a body can answer, before its handler runs. */
const bodyErrors: ErrorCode[] = ['MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/** A route's schema with what its group shares added: tag, security, shared headers and errors. */
function described(url: string, schema: FastifySchema & { security?: unknown }): FastifySchema {
  const group = groups.find((candidate) => url.startsWith(candidate.prefix));
  if (!group) return schema;
  const parsed = schema.body
    ? bodyErrors.filter((code) => !(group.rawBodies && code === 'MALFORMED_JSON'))
    : [];
  const codes: ErrorCode[] = [...group.errors, ...parsed, 'INTERNAL'];
  return {
    ...schema,
    tags: schema.tags ?? [group.tag],
    ...(group.security && !schema.security ? { security: group.security } : {}),
    ...(group.headers && !schema.headers ? { headers: group.headers } : {}),
    response: withErrors(
      withSuccessNames((schema.response as Record<string, unknown> | undefined) ?? {}),
      codes,
    ),
  };
}

/**
 * One zod schema per request part and response serves validation, serialization and the
 * API document: sets the zod compilers on `app`, serves the OpenAPI 3.1 document at
 * `/openapi.json` and its UI at `/docs`. Call before registering routes: the group
 * conventions (tag, security, shared errors) are added as routes register.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  useZodSchemas(app);
  app.addHook('onRoute', (route) => {
    if (route.schema && !route.schema.hide) route.schema = described(route.url, route.schema);
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard',
        version,
        description:
          'The gateway’s HTTP API. Every error is `{ "error": "<CODE>", "message": "…" }` with a code ' +
          'from the catalogue; each route lists the codes it answers with.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A tenant’s API token, or the admin token (with `X-Tenant: <slug>` to act for a tenant)',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'switchboard_session',
            description: 'A staff session from `POST /auth/login`; writes also need `X-CSRF-Token`',
          },
          metricsToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'The value of `METRICS_TOKEN`',
          },
          writeKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Write-Key',
            description: 'An analytics write key from `POST /admin/analytics/write-keys`',
          },
        },
      },
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
  });
  await app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}
