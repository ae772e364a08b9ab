import { randomUUID } from 'node:crypto';
import type { ChannelAdapter } from '../channels/types.ts';
import { enqueueJobs, type JobLease } from '../queue/jobs.ts';
import { insertRows } from '../store/insert-rows.ts';
import type { SqlSession } from '../store/sql.ts';
import { splitText } from './split-text.ts';

export const DELIVER_JOB = 'deliver';

export type Author = 'agent' | 'staff';

export interface ReplyRequest {
  tenantId: string;
  conversationId: string;
  channel: string;
  text: string;
  /** One per reply: a second request with the same key is recognized and ignored. */
  idempotencyKey: string;
  inReplyTo?: { providerMessageId: string; kind: string };
  author?: Author;
  /** How the channel cuts text into provider messages (see `splitterFor`). */
  split: (text: string) => string[];
  /** Attempts before the reply is dead-lettered. */
  maxAttempts: number;
  nowMs: number;
  /**
   * When the deliver job is due, if earlier than `nowMs`: a reply to a customer's message
   * keeps that message's place in the queue. Due now instead, it would wait behind every
   * message that arrived while the agent answered, and under a backlog replies would stop
   * until the whole backlog had been answered (see bench/README.md).
   */
  dueAtMs?: number;
  /**
   * Writes the deliver job already leased (`NewJob.leasedBy`), for the worker that records the
   * reply to run it next without claiming it.
   */
  deliverLease?: JobLease;
}

/** The deliver job a recorded reply queued. */
export interface RecordedReply {
  deliverJobId: string;
  payload: DeliverPayload;
  runAtMs: number;
}

export interface DeliverPayload {
  outboxIds: string[];
  inReplyTo?: { providerMessageId: string; kind: string };
  author?: Author;
}

/** The channel's own splitting (SMS segments) or, by default, clean breaks at its length limit. */
export function splitterFor(adapter: ChannelAdapter): (text: string) => string[] {
  return adapter.splitText ?? ((text) => splitText(text, adapter.maxTextLength));
}

/**
 * Records a reply for delivery in the caller's transaction (a driver session: `sqlOf(db).within(tx)`
 * inside a Prisma transaction): one outbound message and one outbox row per piece (texts over
 * the channel's limit are split), and one deliver job that sends the pieces in order. Returns
 * the deliver job, or undefined when this reply was recorded before — the caller is a re-run
 * of a job that had already got this far.
 */
export async function enqueueReply(
  sql: SqlSession,
  request: ReplyRequest,
): Promise<RecordedReply | undefined> {
  const pieces = request.split(request.text);
  const keys = pieces.map((_, index) =>
    index === 0 ? request.idempotencyKey : `${request.idempotencyKey}#${index}`,
  );
  const existing = await sql.all('SELECT 1 FROM "outbox" WHERE "idempotencyKey" = ?', [keys[0]!]);
  if (existing.length > 0) return undefined;
  // One multi-row INSERT per table.
  // A millisecond apart, so that pieces sort in order by time (transcripts, held pieces).
  const now = Date.now();
  const messages = pieces.map((text, index) => ({
    id: randomUUID(),
    tenantId: request.tenantId,
    conversationId: request.conversationId,
    channel: request.channel,
    direction: 'outbound',
    kind: 'text',
    text,
    parts: JSON.stringify([{ type: 'text', text }]),
    status: 'queued',
    createdAt: new Date(now + index),
  }));
  const outboxIds = messages.map(() => randomUUID());
  await insertRows(sql, 'messages', messages);
  await insertRows(
    sql,
    'outbox',
    messages.map((message, index) => ({
      id: outboxIds[index]!,
      tenantId: request.tenantId,
      messageId: message.id,
      channel: request.channel,
      idempotencyKey: keys[index]!,
      status: 'pending',
      attempts: 0,
      createdAt: message.createdAt,
      updatedAt: message.createdAt,
    })),
  );
  const payload: DeliverPayload = {
    outboxIds,
    ...(request.inReplyTo ? { inReplyTo: request.inReplyTo } : {}),
    ...(request.author ? { author: request.author } : {}),
  };
  const runAtMs = Math.min(request.nowMs, request.dueAtMs ?? request.nowMs);
  const deliverJobId = randomUUID();
  await enqueueJobs(sql, [
    {
      id: deliverJobId,
      tenantId: request.tenantId,
      kind: DELIVER_JOB,
      payload,
      runAtMs,
      maxAttempts: request.maxAttempts,
      ...(request.deliverLease ? { leasedBy: request.deliverLease } : {}),
    },
  ]);
  return { deliverJobId, payload, runAtMs };
}

/**
 * Sends again what the channel policy held back (`needs_template`), now that the customer
 * has written and the window is open. Called in a transaction (a driver session) that handles their message.
 */
export async function releaseHeld(
  sql: SqlSession,
  request: { tenantId: string; conversationId: string; maxAttempts: number; nowMs: number },
): Promise<number> {
  const held = await sql.all<{ id: string }>(
    `SELECT o."id" FROM "outbox" o JOIN "messages" m ON m."id" = o."messageId"
     WHERE o."tenantId" = ? AND o."status" = 'held' AND m."conversationId" = ?
     ORDER BY o."createdAt"`,
    [request.tenantId, request.conversationId],
  );
  if (held.length === 0) return 0;
  const outboxIds = held.map((row) => row.id);
  await sql.run(
    `UPDATE "outbox" SET "status" = 'pending', "updatedAt" = ? WHERE "id" IN (${outboxIds.map(() => '?').join(', ')})`,
    [new Date(), ...outboxIds],
  );
  await enqueueJobs(sql, [
    {
      tenantId: request.tenantId,
      kind: DELIVER_JOB,
      payload: { outboxIds } satisfies DeliverPayload,
      runAtMs: request.nowMs,
      maxAttempts: request.maxAttempts,
    },
  ]);
  return held.length;
}
