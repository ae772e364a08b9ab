import { customerCaller } from '../agent/caller.ts';
import { parseAgentSettings } from '../agent/settings.ts';
import { handOver, type RequestHumanOptions } from '../agent/tools/request-human.ts';
import type { Agent, TranscriptEntry } from '../agent/types.ts';
import type { ChannelAdapter } from '../channels/types.ts';
import type { Clock } from '../core/clock.ts';
import { acknowledgeInbound, type DispatcherDependencies } from '../dispatcher/deliver.ts';
import { enqueueReply, releaseHeld, splitterFor } from '../dispatcher/outbox.ts';
import type { StoredInbound } from '../normalizer/ingest.ts';
import { enqueueJobs } from '../queue/jobs.ts';
import type { JobHandler } from '../queue/worker.ts';
import type { Db, DbTransaction } from '../store/index.ts';
import { sqlOf } from '../store/sql.ts';
import { loadRespondSubject } from './respond-load.ts';

export const RESPOND_JOB = 'respond';

/** How many earlier messages the agent sees. */
const TRANSCRIPT_WINDOW = 20;

interface RespondPayload {
  messageId: string;
}

/** Enqueues a respond job per stored inbound message, in the transaction that stored it. */
export function enqueueResponses(clock: Clock) {
  return (tx: DbTransaction, messages: StoredInbound[]) =>
    enqueueJobs(
      tx,
      messages.map((message) => ({
        tenantId: message.tenantId,
        kind: RESPOND_JOB,
        payload: { messageId: message.id } satisfies RespondPayload,
        runAtMs: clock.now(),
      })),
    );
}

/** How far back the per-contact reply limit looks. */
const HOUR_MS = 60 * 60 * 1_000;

/**
 * The respond job: lets the agent answer one inbound message and records the reply for
 * delivery. The reply's idempotency key is derived from the inbound message, so when a
 * crash makes this job run twice the second run records nothing new; the agent's turn key
 * is derived from it too, so its tool calls keep their keys across re-runs.
 *
 * Flood control per contact: a message with a newer one behind it is not answered on its
 * own (the newest answers the burst; agent setting `burstReplies`), and past the tenant's `maxRepliesPerContactHour` the
 * conversation goes to staff instead of the agent.
 */
export function createRespondHandler(
  dependencies: DispatcherDependencies & {
    agent: Agent;
    clock: Clock;
    channels: Record<string, ChannelAdapter>;
    maxDeliveryAttempts: number;
    /** Called when a reply was recorded, to start delivery without waiting for the next poll. */
    onReplyRecorded(): void;
    notifyStaff: RequestHumanOptions['notifyStaff'];
  },
): JobHandler {
  const { db, agent, clock, channels, maxDeliveryAttempts, onReplyRecorded } = dependencies;

  return async function respond(job, context) {
    const { messageId } = job.payload as RespondPayload;
    const idempotencyKey = `reply:${messageId}`;
    const subject = await loadRespondSubject(db, {
      tenantId: job.tenantId,
      messageId,
      idempotencyKey,
      since: new Date(clock.now() - HOUR_MS),
    });
    if (!subject) return;
    const { message, conversation, contact, tenant } = subject;
    // The customer wrote, so the channel's window is open again for anything the policy held.
    // Most conversations hold nothing: a transaction only when there is something.
    const released = subject.holdsReplies
      ? await db.$transaction((tx) =>
          releaseHeld(tx, {
            tenantId: job.tenantId,
            conversationId: conversation.id,
            maxAttempts: maxDeliveryAttempts,
            nowMs: clock.now(),
          }),
        )
      : 0;
    if (released > 0) onReplyRecorded();
    // The agent answers only conversations it holds: never one a person has or was asked for.
    if (conversation.state !== 'bot' || contact.optedOut) return;
    if (subject.answered) return;
    const adapter = channels[message.channel];
    if (!adapter) return;
    const config = await dependencies.loadConfig(job.tenantId, message.channel);
    if (!config) return;
    const automatic = adapter.automaticReply?.({ text: message.text }, config);
    // The channel's rules say this message gets no reply at all (an SMS STOP or START).
    if (automatic === null) return;

    if (message.providerMessageId) {
      void acknowledgeInbound(dependencies, {
        tenantId: job.tenantId,
        channel: message.channel,
        chatId: conversation.externalChatId,
        providerMessageId: message.providerMessageId,
      });
    }
    // Read with the message, once per job, and handed to the agent's turn.
    const settings = parseAgentSettings(tenant.agentSettings);
    if (automatic === undefined) {
      if (settings.burstReplies === 'once' && subject.newerInbound) return;
      if (subject.repliesToContact >= settings.maxRepliesPerContactHour) {
        await handOver(
          { db, notifyStaff: dependencies.notifyStaff },
          { tenantId: job.tenantId, conversationId: conversation.id, reason: 'contact_reply_limit' },
        );
        return;
      }
    }
    const text =
      automatic ??
      (
        await agent.reply({
          tenant: { id: tenant.id, name: tenant.name },
          conversationId: conversation.id,
          channel: message.channel,
          contact: { displayName: contact.displayName, locale: contact.locale },
          transcript: await transcriptUpTo(db, conversation.id, message.createdAt, message.id),
          caller: await customerCaller(
            db,
            job.tenantId,
            conversation.contactId,
            // Null where the channel has no sender authentication: the channel's identity stands.
            message.senderVerified !== false,
          ),
          settings,
          turnKey: `respond:${message.id}`,
        })
      ).text;
    const recorded = await db.$transaction(async (tx) => {
      const enqueued = await enqueueReply(tx, {
        tenantId: job.tenantId,
        conversationId: conversation.id,
        channel: message.channel,
        text,
        idempotencyKey,
        inReplyTo: message.providerMessageId
          ? { providerMessageId: message.providerMessageId, kind: message.kind }
          : undefined,
        split: splitterFor(adapter),
        maxAttempts: maxDeliveryAttempts,
        nowMs: clock.now(),
        ...(job.dueAtMs === undefined ? {} : { dueAtMs: job.dueAtMs }),
      });
      // The job ends with the reply it recorded: no statement of its own afterwards.
      if (enqueued) await context.completeIn?.(sqlOf(db).within(tx));
      return enqueued;
    });
    if (recorded) onReplyRecorded();
  };
}

/** The conversation up to `until`, oldest first, with message `messageId` last (the one being answered). */
export async function transcriptUpTo(
  db: Db,
  conversationId: string,
  until: Date,
  messageId: string,
): Promise<TranscriptEntry[]> {
  const rows = await db.message.findMany({
    // Internal rows (tool calls, notes, state changes) are for staff, not part of the
    // conversation, except the note a hand-back leaves so the agent knows a person spoke.
    where: {
      conversationId,
      createdAt: { lte: until },
      OR: [{ direction: { in: ['inbound', 'outbound'] } }, { kind: 'handback_note' }],
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: TRANSCRIPT_WINDOW,
    select: { id: true, direction: true, kind: true, text: true },
  });
  // The message being answered goes last even when others share its timestamp.
  const ordered = rows.reverse().filter((row) => row.id !== messageId);
  const answered = rows.find((row) => row.id === messageId);
  return [...ordered, ...(answered ? [answered] : [])].map((row) => ({
    direction: (row.direction === 'inbound' ? 'inbound' : 'outbound') as TranscriptEntry['direction'],
    kind: row.kind,
    text: row.text,
  }));
}
