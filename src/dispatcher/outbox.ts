import { randomUUID } from 'node:crypto';
import type { ChannelAdapter } from '../channels/types.ts';
import { enqueueJobs } from '../queue/jobs.ts';
import type { DbTransaction } from '../store/index.ts';
import { insertRows } from '../store/insert-rows.ts';
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
 * Records a reply for delivery in the caller's transaction: one outbound message and one
 * outbox row per piece (texts over the channel's limit are split), and one deliver job
 * that sends the pieces in order. Returns false when this reply was recorded before —
 * the caller is a re-run of a job that had already got this far.
 */
export async function enqueueReply(tx: DbTransaction, request: ReplyRequest): Promise<boolean> {
  const pieces = request.split(request.text);
  const keys = pieces.map((_, index) =>
    index === 0 ? request.idempotencyKey : `${request.idempotencyKey}#${index}`,
  );
  const existing = await tx.outboxMessage.findUnique({
    where: { idempotencyKey: keys[0]! },
    select: { id: true },
  });
  if (existing) return false;
  // One multi-row INSERT per table: Prisma's create costs about a millisecond a row (bench/README.md).
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
  await insertRows(tx, 'messages', messages);
  await insertRows(
    tx,
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
  await enqueueJobs(tx, [
    {
      tenantId: request.tenantId,
      kind: DELIVER_JOB,
      payload,
      runAtMs: Math.min(request.nowMs, request.dueAtMs ?? request.nowMs),
      maxAttempts: request.maxAttempts,
    },
  ]);
  return true;
}

/**
 * Sends again what the channel policy held back (`needs_template`), now that the customer
 * has written and the window is open. Called in the transaction that handles their message.
 */
export async function releaseHeld(
  tx: DbTransaction,
  request: { tenantId: string; conversationId: string; maxAttempts: number; nowMs: number },
): Promise<number> {
  const held = await tx.outboxMessage.findMany({
    where: {
      tenantId: request.tenantId,
      status: 'held',
      message: { conversationId: request.conversationId },
    },
    orderBy: { createdAt: 'asc' },
    select: { id: true },
  });
  if (held.length === 0) return 0;
  const outboxIds = held.map((row) => row.id);
  await tx.outboxMessage.updateMany({ where: { id: { in: outboxIds } }, data: { status: 'pending' } });
  await enqueueJobs(tx, [
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
