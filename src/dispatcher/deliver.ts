import type { ChannelAdapter, ProviderEnvironment } from '../channels/types.ts';
import type { ConnectorValues } from '../core/connector.ts';
import { AppError } from '../core/errors.ts';
import type { LeasedJob } from '../queue/jobs.ts';
import type { JobHandler } from '../queue/worker.ts';
import type { Db } from '../store/index.ts';
import type { DeliverPayload } from './outbox.ts';

export interface DispatcherDependencies {
  db: Db;
  channels: Record<string, ChannelAdapter>;
  /** The decrypted configuration of a tenant's channel, or undefined when none is stored. */
  loadConfig(tenantId: string, channel: string): Promise<ConnectorValues | undefined>;
  environment: ProviderEnvironment;
}

/**
 * The deliver job: sends a reply's pieces in order through the channel adapter. A piece
 * already sent (an earlier run got that far) is skipped, so a re-run after a crash sends
 * only what is missing. A retryable failure leaves the job to the queue's backoff, with
 * the provider's `retry_after` honoured; a permanent failure, or the last attempt,
 * dead-letters the remaining pieces and records why on each message.
 */
export function createDeliverHandler(dependencies: DispatcherDependencies): JobHandler {
  const { db, channels, loadConfig, environment } = dependencies;

  return async function deliver(job: LeasedJob): Promise<void> {
    const payload = job.payload as DeliverPayload;
    for (const [index, outboxId] of payload.outboxIds.entries()) {
      const outbox = await db.outboxMessage.findUnique({
        where: { id: outboxId },
        include: { message: { include: { conversation: { include: { contact: true } } } } },
      });
      if (!outbox || outbox.status === 'sent' || outbox.status === 'dead' || outbox.status === 'suppressed')
        continue;
      const conversation = outbox.message.conversation;
      if (conversation.contact.optedOut) {
        await settle(outboxId, outbox.messageId, 'suppressed', 'suppressed', 'the contact has opted out');
        continue;
      }
      try {
        const adapter = channels[outbox.channel];
        if (!adapter) throw new AppError('UNKNOWN_CHANNEL', `channel "${outbox.channel}" is not available`);
        const config = await loadConfig(job.tenantId, outbox.channel);
        if (!config)
          throw new AppError('CHANNEL_NOT_CONFIGURED', `channel "${outbox.channel}" is not configured`);
        await db.$transaction([
          db.outboxMessage.update({
            where: { id: outboxId },
            data: { status: 'sending', attempts: { increment: 1 } },
          }),
          db.message.update({ where: { id: outbox.messageId }, data: { status: 'sending' } }),
        ]);
        const result = await adapter.send(
          {
            chatId: conversation.externalChatId,
            text: outbox.message.text ?? '',
            ...(index === 0 && payload.inReplyTo ? { inReplyTo: payload.inReplyTo } : {}),
          },
          { config, environment },
        );
        if (result.outcome === 'failed') throw result.error;
        await db.$transaction([
          db.outboxMessage.update({ where: { id: outboxId }, data: { status: 'sent', lastError: null } }),
          db.message.update({
            where: { id: outbox.messageId },
            data: {
              status: 'sent',
              providerMessageId: result.providerMessageId,
              sentAt: new Date(),
              error: null,
            },
          }),
        ]);
      } catch (error) {
        const failure =
          error instanceof AppError
            ? error
            : new AppError('INTERNAL', 'delivery failed unexpectedly', { cause: error });
        const final = !failure.retryable || job.attempts >= job.maxAttempts;
        if (!final) {
          await settle(
            outboxId,
            outbox.messageId,
            'pending',
            'queued',
            `${failure.code}: ${failure.message}`,
          );
          throw failure;
        }
        const reason = `dead-lettered after ${job.attempts} attempt(s): ${failure.code}: ${failure.message}`;
        for (const remaining of payload.outboxIds.slice(index)) {
          const row = await db.outboxMessage.findUnique({
            where: { id: remaining },
            select: { messageId: true },
          });
          if (row) await settle(remaining, row.messageId, 'dead', 'failed', reason);
        }
        throw new AppError('DELIVERY_FAILED', reason);
      }
    }
  };

  async function settle(
    outboxId: string,
    messageId: string,
    outboxStatus: string,
    messageStatus: string,
    reason: string,
  ): Promise<void> {
    await db.$transaction([
      db.outboxMessage.update({ where: { id: outboxId }, data: { status: outboxStatus, lastError: reason } }),
      db.message.update({ where: { id: messageId }, data: { status: messageStatus, error: reason } }),
    ]);
  }
}

/** Shows the typing indicator on channels that have one; never fails the caller. */
export async function showTyping(
  dependencies: Pick<DispatcherDependencies, 'channels' | 'loadConfig' | 'environment'>,
  target: { tenantId: string; channel: string; chatId: string },
): Promise<void> {
  const adapter = dependencies.channels[target.channel];
  if (!adapter?.showTyping) return;
  const config = await dependencies.loadConfig(target.tenantId, target.channel).catch(() => undefined);
  if (config)
    await adapter
      .showTyping(target.chatId, { config, environment: dependencies.environment })
      .catch(() => {});
}
