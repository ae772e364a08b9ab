import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  connectionRate,
  integrationFunnel,
  messagesPerDay,
  oauthFailures,
  type TimeWindow,
  toolsInChat,
} from '../../analytics/queries.ts';
import type { WriteKeys } from '../../analytics/write-keys.ts';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { actorOf, tenantCaller } from '../caller.ts';
import { errorResponses, noContent } from '../openapi.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_WINDOW_DAYS = 30;
/** Bounds the work one dashboard request can ask for. */
const MAX_WINDOW_DAYS = 366;

const dateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' });
const windowQuery = z.object({ from: dateTime.optional(), to: dateTime.optional() });
const newWriteKey = z.object({ label: z.string().trim().max(100).default('') });
const writeKeyParams = z.object({ id: z.string().min(1) });

const rate = z
  .number()
  .nullable()
  .describe('percent, two decimals; null when there was nothing to divide by');
const answers = {
  funnel: z.object({
    steps: z.array(z.object({ event: z.string(), count: z.int(), conversionRate: rate })),
  }),
  connectionRate: z.object({
    items: z.array(
      z.object({ provider: z.string(), attempts: z.int(), connected: z.int(), conversionRate: rate }),
    ),
  }),
  oauthFailures: z.object({
    items: z.array(z.object({ provider: z.string(), errorType: z.string(), failures: z.int() })),
  }),
  toolsInChat: z.object({
    items: z.array(
      z.object({
        service: z.string(),
        actionType: z.string(),
        usageCount: z.int(),
        uniqueChats: z.int(),
        successRate: rate,
      }),
    ),
  }),
  messages: z.object({
    items: z.array(
      z.object({
        day: z.string(),
        channel: z.string(),
        inbound: z.int(),
        outbound: z.int(),
        failed: z.int(),
      }),
    ),
  }),
};
const writeKeySummary = z.object({
  id: z.string(),
  label: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
const createWriteKeySchema = {
  summary: 'a new write key for the collector, shown once',
  body: newWriteKey,
  response: {
    201: writeKeySummary.extend({ writeKey: z.string().describe('the key; only its hash is kept') }),
    ...errorResponses('VALIDATION_FAILED'),
  },
};
const listWriteKeysSchema = {
  summary: 'the tenant’s write keys, without the keys',
  response: { 200: z.object({ items: z.array(writeKeySummary) }) },
};
const revokeWriteKeySchema = {
  summary: 'revoke a write key',
  params: writeKeyParams,
  response: { 204: noContent, ...errorResponses('NOT_FOUND', 'VALIDATION_FAILED') },
};

/**
 * The analytics API of a tenant: write keys for the collector (the key is shown once, only
 * its hash is kept) and the dashboard's queries over a window `[from, to)`, by default the
 * 30 days up to now.
 */
export async function analyticsAdminRoutes(
  app: FastifyInstance,
  options: { db: Db; writeKeys: WriteKeys; clock: Clock },
): Promise<void> {
  const { db, writeKeys, clock } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  function windowOf(request: FastifyRequest): TimeWindow {
    const query = request.query as z.infer<typeof windowQuery>;
    const to = query.to ? new Date(query.to) : new Date(clock.now());
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
    if (from >= to) throw new AppError('VALIDATION_FAILED', 'invalid query: from must be before to');
    if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS)
      throw new AppError(
        'VALIDATION_FAILED',
        `invalid query: the window may span at most ${MAX_WINDOW_DAYS} days`,
      );
    return { from, to };
  }

  /** A dashboard route: the tenant, the window, and the window echoed beside the answer. */
  function dashboard<Answer>(
    path: string,
    summary: string,
    answer: z.ZodObject,
    query: (tenantId: string, window: TimeWindow) => Promise<Answer>,
  ) {
    const schema = {
      summary,
      querystring: windowQuery,
      response: {
        200: answer.extend({ from: z.string(), to: z.string() }),
        ...errorResponses('VALIDATION_FAILED'),
      },
    };
    app.get(path, { schema }, async (request) => {
      const { tenantId } = tenantCaller(request);
      const window = windowOf(request);
      return {
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        ...(await query(tenantId, window)),
      };
    });
  }

  dashboard(
    '/admin/analytics/integration-funnel',
    'the integration funnel, step by step',
    answers.funnel,
    async (tenantId, window) => ({
      steps: await integrationFunnel(db, tenantId, window),
    }),
  );
  dashboard(
    '/admin/analytics/connection-rate',
    'connections per provider',
    answers.connectionRate,
    async (tenantId, window) => ({
      items: await connectionRate(db, tenantId, window),
    }),
  );
  dashboard(
    '/admin/analytics/oauth-failures',
    'failed OAuth flows',
    answers.oauthFailures,
    async (tenantId, window) => ({
      items: await oauthFailures(db, tenantId, window),
    }),
  );
  dashboard(
    '/admin/analytics/tools-in-chat',
    'tools the agent used in chats',
    answers.toolsInChat,
    async (tenantId, window) => ({
      items: await toolsInChat(db, tenantId, window),
    }),
  );
  dashboard(
    '/admin/analytics/messages',
    'messages per channel and UTC day',
    answers.messages,
    async (tenantId, window) => ({
      items: await messagesPerDay(db, tenantId, window),
    }),
  );

  api.post('/admin/analytics/write-keys', { schema: createWriteKeySchema }, async (request, reply) => {
    const caller = tenantCaller(request);
    const { label } = request.body;
    const created = await writeKeys.create(caller.tenantId, label);
    await writeAudit(db, {
      tenantId: caller.tenantId,
      actor: actorOf(caller),
      action: 'analytics.write_key.created',
      target: created.id,
    });
    return reply.status(201).send(created);
  });

  api.get('/admin/analytics/write-keys', { schema: listWriteKeysSchema }, async (request) => ({
    items: await writeKeys.list(tenantCaller(request).tenantId),
  }));

  api.delete('/admin/analytics/write-keys/:id', { schema: revokeWriteKeySchema }, async (request, reply) => {
    const caller = tenantCaller(request);
    const { id } = request.params;
    if (!(await writeKeys.revoke(caller.tenantId, id)))
      throw new AppError('NOT_FOUND', `there is no active write key "${id}"`);
    await writeAudit(db, {
      tenantId: caller.tenantId,
      actor: actorOf(caller),
      action: 'analytics.write_key.revoked',
      target: id,
    });
    return reply.status(204).send();
  });
}
