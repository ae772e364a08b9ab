import type { ChannelAdapter, OutboundMessage, ProviderEnvironment } from '../channels/types.ts';
import type { Clock } from '../core/clock.ts';
import type { ConnectorValues } from '../core/connector.ts';
import { AppError, type ErrorCode } from '../core/errors.ts';
import type { LeasedJob } from '../queue/jobs.ts';
import type { JobHandler } from '../queue/worker.ts';
import type { Db, DbTransaction } from '../store/index.ts';
import type { DeliverPayload } from './outbox.ts';
import type { Pacer } from './pacing.ts';
import { decideDelivery } from './policy.ts';
import { conversationThread } from './thread.ts';

export interface DispatcherDependencies {
  db: Db;
  channels: Record<string, ChannelAdapter>;
  /** The decrypted configuration of a tenant's channel, or undefined when none is stored. */
  loadConfig(tenantId: string, channel: string): Promise<ConnectorValues | undefined>;
  environment: ProviderEnvironment;
  clock: Clock;
  pacer: Pacer;
  /**
   * Told each piece's final outcome inside the transaction that records it, so what it
   * writes (analytics) commits with the outcome. Optional: the dispatcher needs no listener.
   */
  onOutcome?(tx: DbTransaction, outcome: DeliveryOutcome): Promise<void>;
  /**
   * Told once per reply whose remaining pieces were dead-lettered, after that is recorded,
   * so staff can be notified. Best effort: a failing listener never changes the outcome.
   */
  onDeadLettered?(reply: DeadLetteredReply): Promise<void>;
}

/** A reply that will not be delivered. `reason` is what the messages record: safe for staff, no secrets. */
export interface DeadLetteredReply {
  tenantId: string;
  channel: string;
  conversationId: string;
  errorCode: ErrorCode;
  reason: string;
}

/** How one piece of a reply ended: sent, dead-lettered, or suppressed (the contact opted out). */
export interface DeliveryOutcome {
  tenantId: string;
  channel: string;
  conversationId: string;
  outcome: 'sent' | 'dead' | 'suppressed';
  /** The deliver job's attempts so far, this one included. */
  attempts: number;
  errorCode: ErrorCode | null;
}

/** A configured template for messages outside the customer-service window (WhatsApp). */
function fallbackTemplate(config: ConnectorValues) {
  return config.template_name
    ? { name: config.template_name, language: config.template_language || 'en' }
    : undefined;
}

/**
 * The deliver job: sends a reply's pieces in order through the channel adapter, under the
 * channel's policy (customer-service window, templates, human-agent tag, pacing). A piece
 * already sent (an earlier run got that far) is skipped, so a re-run after a crash sends
 * only what is missing. A retryable failure leaves the job to the queue's backoff, with
 * the provider's `retry_after` honoured; a permanent failure, or the last attempt,
 * dead-letters the remaining pieces and records why on each message.
 */
export function createDeliverHandler(dependencies: DispatcherDependencies): JobHandler {
  const { db, channels, loadConfig, environment, clock, pacer, onOutcome, onDeadLettered } = dependencies;

  return async function deliver(job: LeasedJob): Promise<void> {
    const payload = job.payload as DeliverPayload;
    for (const [index, outboxId] of payload.outboxIds.entries()) {
      const outbox = await db.outboxMessage.findUnique({
        where: { id: outboxId },
        include: { message: { include: { conversation: { include: { contact: true } } } } },
      });
      // `sending` means a run died mid-send (its lease expired): the send is tried again.
      if (!outbox || (outbox.status !== 'pending' && outbox.status !== 'sending')) continue;
      const conversation = outbox.message.conversation;
      if (conversation.contact.optedOut) {
        await settle(outboxId, outbox.messageId, 'suppressed', 'suppressed', 'the contact has opted out', {
          ...outcomeOf(job, outbox.channel, conversation.id),
          outcome: 'suppressed',
        });
        continue;
      }
      try {
        const adapter = channels[outbox.channel];
        if (!adapter) throw new AppError('UNKNOWN_CHANNEL', `channel "${outbox.channel}" is not available`);
        const config = await loadConfig(job.tenantId, outbox.channel);
        if (!config)
          throw new AppError('CHANNEL_NOT_CONFIGURED', `channel "${outbox.channel}" is not configured`);
        const decision = decideDelivery({
          policy: adapter.policy,
          author: payload.author ?? 'agent',
          lastInboundAt: await lastInboundAt(conversation.id),
          nowMs: clock.now(),
          fallbackTemplate: fallbackTemplate(config),
        });
        if (decision.action === 'hold') {
          await settle(outboxId, outbox.messageId, 'held', 'needs_template', decision.reason);
          continue;
        }
        await pace(adapter, job.tenantId, conversation.externalChatId);
        await db.$transaction([
          db.outboxMessage.update({
            where: { id: outboxId },
            data: { status: 'sending', attempts: { increment: 1 } },
          }),
          db.message.update({ where: { id: outbox.messageId }, data: { status: 'sending' } }),
        ]);
        const message: OutboundMessage = {
          chatId: conversation.externalChatId,
          text: outbox.message.text ?? '',
          author: payload.author ?? 'agent',
          ...(index === 0 && payload.inReplyTo ? { inReplyTo: payload.inReplyTo } : {}),
          ...(decision.template ? { template: decision.template } : {}),
          ...(decision.humanAgentTag ? { humanAgentTag: true } : {}),
          ...(adapter.threading ? { thread: await conversationThread(db, conversation.id) } : {}),
        };
        const result = await adapter.send(message, { config, environment });
        if (result.outcome === 'failed') throw result.error;
        await db.$transaction(async (tx) => {
          await tx.outboxMessage.update({
            where: { id: outboxId },
            data: { status: 'sent', lastError: null },
          });
          await tx.message.update({
            where: { id: outbox.messageId },
            data: {
              status: 'sent',
              providerMessageId: result.providerMessageId,
              sentAt: new Date(),
              error: null,
            },
          });
          await onOutcome?.(tx, { ...outcomeOf(job, outbox.channel, conversation.id), outcome: 'sent' });
        });
      } catch (error) {
        await fail(job, payload.outboxIds.slice(index), outbox.messageId, error);
      }
    }
  };

  /**
   * Waits for the channel's pacing slot. The wait happens here rather than by rescheduling,
   * so pacing never uses up delivery attempts; the worker renews the job's lease meanwhile.
   */
  async function pace(adapter: ChannelAdapter, tenantId: string, chatId: string): Promise<void> {
    const { accountSendsPerSecond, chatSendsPerSecond } = adapter.policy ?? {};
    const limits = [
      ...(accountSendsPerSecond
        ? [{ key: `${tenantId}/${adapter.id}`, perSecond: accountSendsPerSecond }]
        : []),
      ...(chatSendsPerSecond
        ? [{ key: `${tenantId}/${adapter.id}/${chatId}`, perSecond: chatSendsPerSecond }]
        : []),
    ];
    if (limits.length === 0) return;
    const wait = pacer.reserve(limits);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  async function lastInboundAt(conversationId: string): Promise<Date | null> {
    const latest = await db.message.findFirst({
      where: { conversationId, direction: 'inbound' },
      orderBy: { createdAt: 'desc' },
      select: { createdAt: true },
    });
    return latest?.createdAt ?? null;
  }

  /** Records a failure: back to pending for a retry, or dead-letters what is left of the reply. */
  async function fail(
    job: LeasedJob,
    remaining: string[],
    messageId: string,
    error: unknown,
  ): Promise<never> {
    const failure =
      error instanceof AppError
        ? error
        : new AppError('INTERNAL', 'delivery failed unexpectedly', { cause: error });
    const final = !failure.retryable || job.attempts >= job.maxAttempts;
    if (!final) {
      await settle(remaining[0]!, messageId, 'pending', 'queued', `${failure.code}: ${failure.message}`);
      throw failure;
    }
    const reason = `dead-lettered after ${job.attempts} attempt(s): ${failure.code}: ${failure.message}`;
    let deadLettered: DeadLetteredReply | undefined;
    for (const outboxId of remaining) {
      const row = await db.outboxMessage.findUnique({
        where: { id: outboxId },
        select: { messageId: true, channel: true, message: { select: { conversationId: true } } },
      });
      if (row)
        await settle(outboxId, row.messageId, 'dead', 'failed', reason, {
          ...outcomeOf(job, row.channel, row.message.conversationId),
          outcome: 'dead',
          errorCode: failure.code,
        });
      if (row) {
        const conversationId = row.message.conversationId;
        deadLettered ??= {
          tenantId: job.tenantId,
          channel: row.channel,
          conversationId,
          errorCode: failure.code,
          reason,
        };
      }
    }
    if (deadLettered) await onDeadLettered?.(deadLettered).catch(() => {});
    throw new AppError('DELIVERY_FAILED', reason);
  }

  /** Records a piece's status; a final `outcome` is reported to `onOutcome` in the same transaction. */
  async function settle(
    outboxId: string,
    messageId: string,
    outboxStatus: string,
    messageStatus: string,
    reason: string,
    outcome?: DeliveryOutcome,
  ): Promise<void> {
    await db.$transaction(async (tx) => {
      await tx.outboxMessage.update({
        where: { id: outboxId },
        data: { status: outboxStatus, lastError: reason },
      });
      await tx.message.update({ where: { id: messageId }, data: { status: messageStatus, error: reason } });
      if (outcome) await onOutcome?.(tx, outcome);
    });
  }
}

function outcomeOf(job: LeasedJob, channel: string, conversationId: string) {
  return { tenantId: job.tenantId, channel, conversationId, attempts: job.attempts, errorCode: null };
}

/** Shows the customer a typing indicator or read receipt where the channel has one; never fails the caller. */
export async function acknowledgeInbound(
  dependencies: Pick<DispatcherDependencies, 'channels' | 'loadConfig' | 'environment'>,
  target: { tenantId: string; channel: string; chatId: string; providerMessageId: string },
): Promise<void> {
  const adapter = dependencies.channels[target.channel];
  if (!adapter?.acknowledgeInbound) return;
  const config = await dependencies.loadConfig(target.tenantId, target.channel).catch(() => undefined);
  if (!config) return;
  await adapter
    .acknowledgeInbound(
      { chatId: target.chatId, providerMessageId: target.providerMessageId },
      { config, environment: dependencies.environment },
    )
    .catch(() => {});
}
