import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import { errorResponses } from '../openapi.ts';
import { parseInput } from '../validate.ts';
import { type CallSummary, VOICE_CHANNEL } from './call-record.ts';

const callsQuery = z.object({
  since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const DAY_MS = 24 * 60 * 60 * 1_000;

const summarySchema = z.object({
  type: z.literal('call'),
  mode: z.enum(['conversation_relay', 'media_stream']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  ended: z.string().nullable().describe('caller_hung_up, handoff, or Twilio’s final call status'),
  turns: z.int(),
  toolCalls: z.int(),
  interruptions: z.int(),
  handoff: z.object({ to: z.string() }).nullable(),
  latencyMs: z.array(z.number()).describe('per turn: end of the caller’s speech → first word or audio back'),
});
const callsSchema = {
  summary: 'phone calls with their summaries, and the per-turn latency in aggregate',
  querystring: callsQuery,
  response: {
    200: z.object({
      calls: z.array(
        z.object({
          messageId: z.string(),
          conversationId: z.string(),
          status: z.string(),
          receivedAt: z.string(),
          summary: summarySchema.nullable(),
        }),
      ),
      latency: z.object({
        turns: z.int(),
        p50Ms: z.number().nullable(),
        p95Ms: z.number().nullable(),
        maxMs: z.number().nullable(),
      }),
    }),
    ...errorResponses('VALIDATION_FAILED'),
  },
};

/** The value below which `share` of the sorted values lie (nearest rank); null for none. */
function percentile(sorted: number[], share: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}

/**
 * `GET /admin/voice/calls`: the calling tenant's calls since `since` (default: the last 30
 * days), newest first, each with its summary (start, end, duration, how it ended, turns,
 * tool calls, handoff, per-turn latency from the caller's end of speech to the first word
 * or audio sent back), and that latency in aggregate over the calls listed.
 */
export async function callListRoutes(app: FastifyInstance, options: { db: Db; clock: Clock }): Promise<void> {
  const { db, clock } = options;
  app.get('/admin/voice/calls', { schema: callsSchema }, async (request) => {
    const { tenantId } = tenantCaller(request);
    const query = parseInput(callsQuery, request.query, 'query');
    const since = query.since ? new Date(query.since) : new Date(clock.now() - 30 * DAY_MS);
    const rows = await db.message.findMany({
      where: { tenantId, channel: VOICE_CHANNEL, kind: 'call', createdAt: { gte: since } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit,
      select: { id: true, conversationId: true, status: true, parts: true, createdAt: true },
    });
    const calls = rows.map((row) => {
      const [summary] = JSON.parse(row.parts) as Array<CallSummary | undefined>;
      return {
        messageId: row.id,
        conversationId: row.conversationId,
        status: row.status,
        receivedAt: row.createdAt.toISOString(),
        summary: summary?.type === 'call' ? summary : null,
      };
    });
    const latencies = calls.flatMap((call) => call.summary?.latencyMs ?? []).sort((a, b) => a - b);
    return {
      calls,
      latency: {
        turns: latencies.length,
        p50Ms: percentile(latencies, 0.5),
        p95Ms: percentile(latencies, 0.95),
        maxMs: latencies.at(-1) ?? null,
      },
    };
  });
}
