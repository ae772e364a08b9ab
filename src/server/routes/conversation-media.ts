import { unlink } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChannelAdapter } from '../../channels/types.ts';
import { writeAudit } from '../../connectors/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { enqueueMediaReply } from '../../dispatcher/media-reply.ts';
import type { Db } from '../../store/index.ts';
import { tenantCaller } from '../caller.ts';
import type { EventBus } from '../events.ts';
import { KNOWN_MEDIA_TYPES } from '../media-types.ts';
import { errorResponses } from '../openapi.ts';
import { actorOfRequest } from '../session-auth.ts';
import type { MediaStore } from '../whatsapp-qr/media-store.ts';

/** The largest upload read at all; each channel's own limit is checked below it. */
const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;

const mediaSchema = {
  summary:
    'send a file in a conversation taken over by staff: the body is the file, Content-Type its type; delivered through the outbox',
  params: z.object({ id: z.string().min(1) }),
  querystring: z.object({
    caption: z
      .string()
      .trim()
      .min(1)
      .max(1_024)
      .optional()
      .describe('shown under an image, video or document'),
    fileName: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[^/\\\0]+$/, 'must be a file name without a path')
      .optional()
      .describe('the name a document is shown with'),
  }),
  consumes: Object.keys(KNOWN_MEDIA_TYPES),
  body: z.any().describe('the file’s bytes'),
  response: {
    202: z.object({ queued: z.literal(true), messageId: z.string() }),
    ...errorResponses(
      'NOT_FOUND',
      'CONFLICT',
      'UNKNOWN_CHANNEL',
      'VALIDATION_FAILED',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
    ),
  },
};

export interface ConversationMediaOptions {
  db: Db;
  clock: Clock;
  events: EventBus;
  channels: Record<string, ChannelAdapter>;
  mediaStore: MediaStore;
  maxDeliveryAttempts: number;
  /** Starts delivery without waiting for the worker's next poll. */
  onReplyRecorded(): void;
}

/**
 * Staff send a file in a conversation they took over. Everything that can be refused without
 * the file is refused before its bytes are read (an unknown conversation, one not taken over,
 * a channel that cannot send files, a type or a declared size it does not take); the bytes
 * must then match their type. Only then is the file stored (under the tenant's folder of the
 * media store) and a message with an outbox row recorded, which the channel sends, paced.
 */
export async function conversationMediaRoutes(
  app: FastifyInstance,
  options: ConversationMediaOptions,
): Promise<void> {
  const { db, clock, events, channels, mediaStore } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();
  app.addContentTypeParser(
    Object.keys(KNOWN_MEDIA_TYPES),
    { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES },
    (_request, body, done) => done(null, body),
  );

  /** The conversation's channel and what it takes, or the reason it takes no file at all. */
  async function accepting(request: FastifyRequest) {
    const { tenantId } = tenantCaller(request);
    const { id } = request.params as { id: string };
    const conversation = await db.conversation.findFirst({
      where: { id, tenantId },
      select: { channel: true, state: true },
    });
    if (!conversation) throw new AppError('NOT_FOUND', `there is no conversation "${id}"`);
    if (conversation.state !== 'human')
      throw new AppError(
        'CONFLICT',
        `the conversation is "${conversation.state}": take it over before sending a file, so the agent stays silent`,
      );
    const adapter = channels[conversation.channel];
    if (!adapter) throw new AppError('UNKNOWN_CHANNEL', `there is no channel "${conversation.channel}"`);
    const accepts = adapter.outboundMedia;
    if (!accepts)
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', `the ${conversation.channel} channel cannot send files`);
    const mimeType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!accepts.mimeTypes.includes(mimeType) || !KNOWN_MEDIA_TYPES[mimeType])
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type must be the file's type, one of ${accepts.mimeTypes.join(', ')} (got "${mimeType}")`,
      );
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > accepts.maxBytes) throw tooLarge(conversation.channel, accepts.maxBytes);
    return {
      tenantId,
      conversationId: id,
      channel: conversation.channel,
      mimeType,
      maxBytes: accepts.maxBytes,
    };
  }

  api.post(
    '/admin/conversations/:id/media',
    {
      schema: mediaSchema,
      // Before the body is read: a refused file is never buffered, let alone stored.
      preParsing: async (request) => {
        await accepting(request);
      },
    },
    async (request, reply) => {
      const target = await accepting(request);
      const bytes = request.body as Buffer | undefined;
      if (!Buffer.isBuffer(bytes) || bytes.length === 0)
        throw new AppError('VALIDATION_FAILED', 'the body must be the file, and it is empty');
      if (bytes.length > target.maxBytes) throw tooLarge(target.channel, target.maxBytes);
      const known = KNOWN_MEDIA_TYPES[target.mimeType]!;
      if (!known.matches(bytes))
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `the file's content is not ${target.mimeType}`);
      const { caption, fileName } = request.query;
      if (caption && known.mediaType === 'audio')
        throw new AppError('VALIDATION_FAILED', 'caption: WhatsApp shows no caption with audio');
      const storeId = await mediaStore.save(target.tenantId, bytes);
      const actor = actorOfRequest(request, tenantCaller(request));
      try {
        const messageId = await db.$transaction(async (tx) => {
          const id = await enqueueMediaReply(tx, {
            tenantId: target.tenantId,
            conversationId: target.conversationId,
            channel: target.channel,
            media: {
              mediaType: known.mediaType,
              mimeType: target.mimeType,
              storeId,
              sizeBytes: bytes.length,
              ...(fileName ? { fileName } : {}),
            },
            ...(caption ? { caption } : {}),
            maxAttempts: options.maxDeliveryAttempts,
            nowMs: clock.now(),
          });
          await writeAudit(tx, {
            tenantId: target.tenantId,
            actor,
            action: 'conversation.replied',
            target: target.conversationId,
            details: { mediaType: known.mediaType, sizeBytes: bytes.length },
          });
          await events.publish(tx, {
            type: 'message.created',
            tenantId: target.tenantId,
            conversationId: target.conversationId,
            direction: 'outbound',
          });
          return id;
        });
        options.onReplyRecorded();
        return reply.status(202).send({ queued: true, messageId });
      } catch (error) {
        // Nothing references the file: it goes with the failed transaction.
        await unlink(mediaStore.pathOf(storeId)).catch(() => {});
        throw error;
      }
    },
  );
}

function tooLarge(channel: string, maxBytes: number): AppError {
  return new AppError(
    'PAYLOAD_TOO_LARGE',
    `the ${channel} channel sends files up to ${Math.floor(maxBytes / (1024 * 1024))} MiB`,
  );
}
