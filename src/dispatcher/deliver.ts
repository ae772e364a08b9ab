import type { ChannelAdapter, OutboundMessage, ProviderEnvironment } from '../channels/types.ts';
import type { Clock } from '../core/clock.ts';
import type { ConnectorValues } from '../core/connector.ts';
import { AppError, type ErrorCode } from '../core/errors.ts';
import type { LeasedJob } from '../queue/jobs.ts';
import type { JobContext, JobHandler } from '../queue/worker.ts';
import type { Db } from '../store/index.ts';
import { type SqlSession, sqlOf } from '../store/sql.ts';
import { loadOutboxPiece } from './deliver-load.ts';
import { outboundMediaOf } from './media-reply.ts';
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
   * Told each piece's final outcome inside the transaction that records it (driver SQL), so
   * what it writes (analytics) commits with the outcome. Optional: the dispatcher needs no listener.
   */
  onOutcome?(tx: SqlSession, outcome: DeliveryOutcome): Promise<void>;
  /**
   * Told after a run, outside its transactions, of the pieces it left waiting: held for a
   * template (`needs_template`) or for a retry (`queued`). Best effort, and only
   * called when there are some: a run that sent every piece costs no statement for it.
   */
  onWaiting?(tenantId: string, waiting: WaitingPiece[]): Promise<void>;
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

/** A piece a run left for later, with its message's status. */
export interface WaitingPiece {
  conversationId: string;
  status: string;
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
 * only what is missing.
 *
 * A piece left `sending` (a run died between handing it to the provider and recording the
 * answer) is first looked up at the provider where the channel can (`findSent`); only when
 * the provider has no such message is it sent again. Recording a send the provider accepted
 * is its own retried step: a failing database then never dead-letters the piece or sends it
 * again. The job's lease is confirmed right before every send, so a run whose job went to
 * another worker stops first. A retryable failure leaves the job to the queue's backoff, with
 * the provider's `retry_after` honoured; only a failure the error catalogue marks permanent,
 * or the last attempt, dead-letters the remaining pieces and records why on each message.
 */
export function createDeliverHandler(dependencies: DispatcherDependencies): JobHandler {
  const { db, channels, loadConfig, environment, clock, pacer, onOutcome, onDeadLettered, onWaiting } =
    dependencies;
  const sql = sqlOf(db);
  // Sends the provider accepted whose recording failed, by outbox id: a retry in this process
  // records them without asking the provider again. Emptied as each one is recorded.
  const unrecorded = new Map<string, string>();

  return async function deliver(job: LeasedJob, context: JobContext): Promise<void> {
    const payload = job.payload as DeliverPayload;
    // Whether this run may have left a piece held or pending, which staff are told live.
    let leftWaiting = true;
    try {
      leftWaiting = await deliverPieces(job, payload, context);
    } finally {
      if (leftWaiting && onWaiting) await tellWaiting(job.tenantId, payload.outboxIds);
    }
  };

  /** Sends the pieces in order; resolves to whether it left one held (the others are sent or settled). */
  async function deliverPieces(
    job: LeasedJob,
    payload: DeliverPayload,
    context: JobContext,
  ): Promise<boolean> {
    let leftWaiting = false;
    for (const [index, outboxId] of payload.outboxIds.entries()) {
      context.signal.throwIfAborted();
      const outbox = await loadOutboxPiece(sql, job.tenantId, outboxId);
      if (!outbox) continue;
      if (outbox.status !== 'pending' && outbox.status !== 'sending') {
        // Held by an earlier run: still waiting.
        if (outbox.status === 'held') leftWaiting = true;
        continue;
      }
      const { conversation } = outbox;
      // The last piece's record completes the job in the same transaction.
      const last = index === payload.outboxIds.length - 1;
      const sent = (providerMessageId: string) =>
        recordSent(job, outbox, providerMessageId, conversation.id, context, last);
      const known = unrecorded.get(outboxId);
      if (known !== undefined) {
        await sent(known);
        continue;
      }
      const suppress = () =>
        settle(outboxId, outbox.messageId, 'suppressed', 'suppressed', 'the contact has opted out', {
          ...outcomeOf(job, outbox.channel, conversation.id),
          outcome: 'suppressed',
        });
      // `sending` at the start of a run: an earlier run may have reached the provider.
      let unsettled = outbox.status === 'sending';
      if (outbox.optedOut && !unsettled) {
        await suppress();
        continue;
      }
      let providerMessageId: string | undefined;
      try {
        const adapter = channels[outbox.channel];
        if (!adapter) throw new AppError('UNKNOWN_CHANNEL', `channel "${outbox.channel}" is not available`);
        const config = await loadConfig(job.tenantId, outbox.channel);
        if (!config)
          throw new AppError('CHANNEL_NOT_CONFIGURED', `channel "${outbox.channel}" is not configured`);
        const decision = decideDelivery({
          policy: adapter.policy,
          author: payload.author ?? 'agent',
          lastInboundAt: outbox.lastInboundAt,
          nowMs: clock.now(),
          fallbackTemplate: fallbackTemplate(config),
        });
        const base: OutboundMessage = {
          chatId: conversation.externalChatId,
          text: outbox.text ?? '',
          author: payload.author ?? 'agent',
          deliveryId: outboxId,
          ...(outbox.kind !== 'text' ? withMedia(outbox.parts) : {}),
          ...(index === 0 && payload.inReplyTo ? { inReplyTo: payload.inReplyTo } : {}),
          ...(adapter.threading ? { thread: await conversationThread(db, conversation.id) } : {}),
        };
        if (unsettled && adapter.findSent) {
          providerMessageId = await adapter.findSent(
            { message: base, since: outbox.createdAt },
            { config, environment },
          );
        }
        if (providerMessageId === undefined) {
          if (outbox.optedOut) {
            await suppress();
            continue;
          }
          if (decision.action === 'hold') {
            await settle(outboxId, outbox.messageId, 'held', 'needs_template', decision.reason);
            leftWaiting = true;
            continue;
          }
          const message: OutboundMessage = {
            ...base,
            ...(decision.template ? { template: decision.template } : {}),
            ...(decision.humanAgentTag ? { humanAgentTag: true } : {}),
          };
          await pace(adapter, job.tenantId, conversation.externalChatId);
          await context.confirmLease();
          await sql.transaction(async (tx) => {
            await tx.run(MARK_OUTBOX_SENDING, [new Date(), outboxId]);
            await tx.run(MARK_MESSAGE_SENDING, [outbox.messageId]);
          });
          unsettled = true;
          const result = await adapter.send(message, { config, environment });
          if (result.outcome === 'failed') {
            // The provider answered: nothing was accepted, unless the connection broke on the way.
            unsettled = result.error.code === 'NETWORK_ERROR';
            throw result.error;
          }
          providerMessageId = result.providerMessageId;
        }
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason;
        await fail(job, payload.outboxIds.slice(index), outbox.messageId, error, unsettled);
      }
      await sent(providerMessageId!);
    }
    return leftWaiting;
  }

  /** Tells `onWaiting` which of the pieces are held or pending now; never fails the run. */
  async function tellWaiting(tenantId: string, outboxIds: string[]): Promise<void> {
    if (outboxIds.length === 0) return;
    const waiting = await sql
      .all<WaitingPiece>(
        `SELECT m."conversationId", m."status" FROM "outbox" o
         JOIN "messages" m ON m."id" = o."messageId"
         WHERE o."id" IN (${outboxIds.map(() => '?').join(', ')}) AND o."tenantId" = ?
           AND o."status" IN ('held', 'pending')`,
        [...outboxIds, tenantId],
      )
      .catch(() => []);
    if (waiting.length > 0) await onWaiting?.(tenantId, waiting).catch(() => undefined);
  }

  /**
   * Records a piece the provider accepted: `sent`, with its provider id. Tried again in place
   * when the database fails; if it still fails, the piece stays `sending` and the job is
   * retried, which records it without sending it again (from memory in this process, through
   * the channel's lookup in another).
   */
  async function recordSent(
    job: LeasedJob,
    outbox: { id: string; messageId: string; channel: string },
    providerMessageId: string,
    conversationId: string,
    context: JobContext,
    completesJob: boolean,
  ): Promise<void> {
    const { signal } = context;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await sql.transaction(async (tx) => {
          const now = new Date();
          await tx.run(MARK_OUTBOX_SENT, [now, outbox.id]);
          await tx.run(MARK_MESSAGE_SENT, [providerMessageId, now, outbox.messageId]);
          await onOutcome?.(tx, { ...outcomeOf(job, outbox.channel, conversationId), outcome: 'sent' });
          // Not completed when the lease went elsewhere; the send is recorded all the same.
          if (completesJob) await context.completeIn?.(tx);
        });
        unrecorded.delete(outbox.id);
        return;
      } catch (error) {
        unrecorded.set(outbox.id, providerMessageId);
        if (attempt >= RECORD_ATTEMPTS || signal.aborted) {
          throw new AppError(
            'TRANSIENT_FAILURE',
            'recording a sent message failed; it will be recorded later',
            {
              cause: error,
            },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_BASE_MS * 2 ** (attempt - 1)));
      }
    }
  }

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

  /**
   * Records a failure: back to pending for a retry (or left `sending` when the provider may
   * have accepted it, so the next run looks before sending), or dead-letters what is left of
   * the reply. Only a failure the catalogue marks permanent, or the last attempt, is final;
   * anything that is not a catalogue error (a busy or dropped database) is retried.
   */
  async function fail(
    job: LeasedJob,
    remaining: string[],
    messageId: string,
    error: unknown,
    unsettled: boolean,
  ): Promise<never> {
    const failure =
      error instanceof AppError
        ? error
        : new AppError('TRANSIENT_FAILURE', 'delivery failed unexpectedly; it will be retried', {
            cause: error,
          });
    const final = !failure.retryable || job.attempts >= job.maxAttempts;
    if (!final) {
      const reason = `${failure.code}: ${failure.message}`;
      if (unsettled) await settle(remaining[0]!, messageId, 'sending', 'sending', reason);
      else await settle(remaining[0]!, messageId, 'pending', 'queued', reason);
      throw failure;
    }
    const reason = `dead-lettered after ${job.attempts} attempt(s): ${failure.code}: ${failure.message}`;
    let deadLettered: DeadLetteredReply | undefined;
    for (const outboxId of remaining) {
      const [row] = await sql.all<{ messageId: string; channel: string; conversationId: string }>(
        `SELECT o."messageId", o."channel", m."conversationId" FROM "outbox" o
         JOIN "messages" m ON m."id" = o."messageId" WHERE o."id" = ? AND o."tenantId" = ?`,
        [outboxId, job.tenantId],
      );
      if (row) {
        const { conversationId } = row;
        await settle(outboxId, row.messageId, 'dead', 'failed', reason, {
          ...outcomeOf(job, row.channel, conversationId),
          outcome: 'dead',
          errorCode: failure.code,
        });
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
    await sql.transaction(async (tx) => {
      await tx.run(SETTLE_OUTBOX, [outboxStatus, reason, new Date(), outboxId]);
      await tx.run(SETTLE_MESSAGE, [messageStatus, reason, messageId]);
      if (outcome) await onOutcome?.(tx, outcome);
    });
  }
}

/** The file a staff message carries, for the channel to send (`media-reply.ts`). */
function withMedia(parts: string): Pick<OutboundMessage, 'media'> {
  const media = outboundMediaOf(parts);
  return media ? { media } : {};
}

// The piece's marks, on the driver: they run for every piece. Each `updatedAt` is set here, as
// Prisma's `@updatedAt` would; messages have no such column.
const MARK_OUTBOX_SENDING = `UPDATE "outbox" SET "status" = 'sending', "attempts" = "attempts" + 1, "updatedAt" = ?
                             WHERE "id" = ?`;
const MARK_MESSAGE_SENDING = `UPDATE "messages" SET "status" = 'sending' WHERE "id" = ?`;
const MARK_OUTBOX_SENT = `UPDATE "outbox" SET "status" = 'sent', "lastError" = NULL, "updatedAt" = ? WHERE "id" = ?`;
const MARK_MESSAGE_SENT = `UPDATE "messages" SET "status" = 'sent', "providerMessageId" = ?, "sentAt" = ?, "error" = NULL
                           WHERE "id" = ?`;
const SETTLE_OUTBOX = `UPDATE "outbox" SET "status" = ?, "lastError" = ?, "updatedAt" = ? WHERE "id" = ?`;
const SETTLE_MESSAGE = `UPDATE "messages" SET "status" = ?, "error" = ? WHERE "id" = ?`;

/** Attempts at recording a send in place, with doubling waits from the base: about 3 s in all. */
const RECORD_ATTEMPTS = 5;
const RECORD_RETRY_BASE_MS = 200;

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
