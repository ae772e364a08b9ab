import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { usageReport } from '../../agent/token-usage.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import { errorResponses } from '../openapi.ts';

const day = z.iso.date({ error: 'must be a date, YYYY-MM-DD' });
const usageQuery = z.object({ from: day.optional(), to: day.optional() });
const tokens = { promptTokens: z.int(), completionTokens: z.int(), totalTokens: z.int() };
const usageSchema = {
  summary: 'model tokens per UTC day, with the range’s totals',
  querystring: usageQuery,
  response: {
    200: z.object({
      from: z.string(),
      to: z.string(),
      days: z.array(z.object({ day: z.string(), turns: z.int(), ...tokens })),
      total: z.object({ turns: z.int(), ...tokens }),
    }),
    ...errorResponses('VALIDATION_FAILED'),
  },
};

/** Longest range one request may ask for. */
const MAX_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1_000;

/**
 * The calling tenant's model tokens per UTC day, `from` to `to` inclusive (both default to
 * today), with the range's totals. Days without a turn are left out.
 */
export async function usageRoutes(app: FastifyInstance, options: { db: Db; clock: Clock }): Promise<void> {
  const { db, clock } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/admin/usage', { schema: usageSchema }, async (request) => {
    const { tenantId } = tenantCaller(request);
    const query = request.query;
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    const to = query.to ?? today;
    const from = query.from ?? to;
    const span = (Date.parse(to) - Date.parse(from)) / DAY_MS;
    if (span < 0) throw new AppError('VALIDATION_FAILED', 'invalid query: from: must not be after to');
    if (span >= MAX_DAYS)
      throw new AppError('VALIDATION_FAILED', `invalid query: at most ${MAX_DAYS} days at once`);
    const days = await usageReport(db, tenantId, from, to);
    const sum = (field: 'turns' | 'promptTokens' | 'completionTokens' | 'totalTokens') =>
      days.reduce((total, entry) => total + entry[field], 0);
    return {
      from,
      to,
      days,
      total: {
        turns: sum('turns'),
        promptTokens: sum('promptTokens'),
        completionTokens: sum('completionTokens'),
        totalTokens: sum('totalTokens'),
      },
    };
  });
}
