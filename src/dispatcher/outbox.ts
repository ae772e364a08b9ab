import { randomUUID } from 'node:crypto';
import { enqueueJobs } from '../queue/jobs.ts';
import type { DbTransaction } from '../store/index.ts';
import { splitText } from './split-text.ts';

export const DELIVER_JOB = 'deliver';

export interface ReplyRequest {
  tenantId: string;
  conversationId: string;
  channel: string;
  text: string;
  /** One per reply: a second request with the same key is recognized and ignored. */
  idempotencyKey: string;
  inReplyTo?: { providerMessageId: string; kind: string };
  maxTextLength: number;
  /** Attempts before the reply is dead-lettered. */
  maxAttempts: number;
  nowMs: number;
}

export interface DeliverPayload {
  outboxIds: string[];
  inReplyTo?: { providerMessageId: string; kind: string };
}

/**
 * Records a reply for delivery in the caller's transaction: one outbound message and one
 * outbox row per piece (texts over the channel's limit are split), and one deliver job
 * that sends the pieces in order. Returns false when this reply was recorded before —
 * the caller is a re-run of a job that had already got this far.
 */
export async function enqueueReply(tx: DbTransaction, request: ReplyRequest): Promise<boolean> {
  const pieces = splitText(request.text, request.maxTextLength);
  const keys = pieces.map((_, index) =>
    index === 0 ? request.idempotencyKey : `${request.idempotencyKey}#${index}`,
  );
  const existing = await tx.outboxMessage.findUnique({
    where: { idempotencyKey: keys[0]! },
    select: { id: true },
  });
  if (existing) return false;
  const outboxIds: string[] = [];
  for (const [index, text] of pieces.entries()) {
    const messageId = randomUUID();
    await tx.message.create({
      data: {
        id: messageId,
        tenantId: request.tenantId,
        conversationId: request.conversationId,
        channel: request.channel,
        direction: 'outbound',
        kind: 'text',
        text,
        parts: JSON.stringify([{ type: 'text', text }]),
        status: 'queued',
      },
    });
    const outbox = await tx.outboxMessage.create({
      data: { tenantId: request.tenantId, messageId, channel: request.channel, idempotencyKey: keys[index]! },
      select: { id: true },
    });
    outboxIds.push(outbox.id);
  }
  const payload: DeliverPayload = {
    outboxIds,
    ...(request.inReplyTo ? { inReplyTo: request.inReplyTo } : {}),
  };
  await enqueueJobs(tx, [
    {
      tenantId: request.tenantId,
      kind: DELIVER_JOB,
      payload,
      runAtMs: request.nowMs,
      maxAttempts: request.maxAttempts,
    },
  ]);
  return true;
}
