import type { FastifyInstance, FastifyRequest } from 'fastify';
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
import { parseInput } from '../validate.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_WINDOW_DAYS = 30;
/** Bounds the work one dashboard request can ask for. */
const MAX_WINDOW_DAYS = 366;

const dateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' });
const windowQuery = z.object({ from: dateTime.optional(), to: dateTime.optional() });
const newWriteKey = z.object({ label: z.string().trim().max(100).default('') });
const writeKeyParams = z.object({ id: z.string().min(1) });

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

  function windowOf(request: FastifyRequest): TimeWindow {
    const query = parseInput(windowQuery, request.query, 'query');
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
  function dashboard<Answer>(path: string, query: (tenantId: string, window: TimeWindow) => Promise<Answer>) {
    app.get(path, async (request) => {
      const { tenantId } = tenantCaller(request);
      const window = windowOf(request);
      return {
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        ...(await query(tenantId, window)),
      };
    });
  }

  dashboard('/admin/analytics/integration-funnel', async (tenantId, window) => ({
    steps: await integrationFunnel(db, tenantId, window),
  }));
  dashboard('/admin/analytics/connection-rate', async (tenantId, window) => ({
    items: await connectionRate(db, tenantId, window),
  }));
  dashboard('/admin/analytics/oauth-failures', async (tenantId, window) => ({
    items: await oauthFailures(db, tenantId, window),
  }));
  dashboard('/admin/analytics/tools-in-chat', async (tenantId, window) => ({
    items: await toolsInChat(db, tenantId, window),
  }));
  dashboard('/admin/analytics/messages', async (tenantId, window) => ({
    items: await messagesPerDay(db, tenantId, window),
  }));

  app.post('/admin/analytics/write-keys', async (request, reply) => {
    const caller = tenantCaller(request);
    const { label } = parseInput(newWriteKey, request.body, 'write key');
    const created = await writeKeys.create(caller.tenantId, label);
    await writeAudit(db, {
      tenantId: caller.tenantId,
      actor: actorOf(caller),
      action: 'analytics.write_key.created',
      target: created.id,
    });
    return reply.status(201).send(created);
  });

  app.get('/admin/analytics/write-keys', async (request) => ({
    items: await writeKeys.list(tenantCaller(request).tenantId),
  }));

  app.delete('/admin/analytics/write-keys/:id', async (request, reply) => {
    const caller = tenantCaller(request);
    const { id } = parseInput(writeKeyParams, request.params, 'path');
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
