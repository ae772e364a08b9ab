import { randomUUID } from 'node:crypto';
import type { OutboundMedia } from '../channels/types.ts';
import type { MessagePart } from '../normalizer/types.ts';
import { enqueueJobs } from '../queue/jobs.ts';
import type { DbTransaction } from '../store/index.ts';
import { DELIVER_JOB, type DeliverPayload } from './outbox.ts';

export interface MediaReplyRequest {
  tenantId: string;
  conversationId: string;
  channel: string;
  media: OutboundMedia & { sizeBytes: number };
  caption?: string;
  maxAttempts: number;
  nowMs: number;
}

/**
 * Records a file staff send for delivery, in the caller's transaction: one outbound message
 * whose media part references the stored file (its caption is the message's text), one
 * outbox row and one deliver job, as a text reply has. Returns the message's id.
 */
export async function enqueueMediaReply(tx: DbTransaction, request: MediaReplyRequest): Promise<string> {
  const { media, caption } = request;
  const part: MessagePart = {
    type: 'media',
    mediaType: media.mediaType,
    providerFileId: media.storeId,
    mimeType: media.mimeType,
    sizeBytes: media.sizeBytes,
    ...(media.fileName ? { fileName: media.fileName } : {}),
    ...(caption ? { caption } : {}),
  };
  const messageId = randomUUID();
  await tx.message.create({
    data: {
      id: messageId,
      tenantId: request.tenantId,
      conversationId: request.conversationId,
      channel: request.channel,
      direction: 'outbound',
      kind: media.mediaType,
      text: caption ?? null,
      parts: JSON.stringify([part]),
      status: 'queued',
    },
  });
  const outbox = await tx.outboxMessage.create({
    data: {
      tenantId: request.tenantId,
      messageId,
      channel: request.channel,
      idempotencyKey: `media:${messageId}`,
    },
    select: { id: true },
  });
  const payload: DeliverPayload = { outboxIds: [outbox.id], author: 'staff' };
  await enqueueJobs(tx, [
    {
      tenantId: request.tenantId,
      kind: DELIVER_JOB,
      payload,
      runAtMs: request.nowMs,
      maxAttempts: request.maxAttempts,
    },
  ]);
  return messageId;
}

/** The file an outbound message carries, read from its stored parts; undefined for text. */
export function outboundMediaOf(parts: string): OutboundMedia | undefined {
  const media = (JSON.parse(parts) as MessagePart[]).find((part) => part.type === 'media');
  if (!media || media.mediaType === 'sticker' || media.mediaType === 'voice') return undefined;
  return {
    mediaType: media.mediaType,
    mimeType: media.mimeType ?? 'application/octet-stream',
    storeId: media.providerFileId,
    ...(media.fileName ? { fileName: media.fileName } : {}),
  };
}
