import type { Clock } from '../../core/clock.ts';
import { changeState } from '../../normalizer/conversation-state.ts';
import { enqueueJobs } from '../../queue/jobs.ts';
import type { JobHandler } from '../../queue/worker.ts';
import type { Db } from '../../store/index.ts';
import type { EventBus } from '../events.ts';

export const RESUME_AGENT_JOB = 'whatsapp_qr.resume_agent';

/** The actor the audit trail and transcript name for the business's own phone. */
export const PHONE_ACTOR = 'whatsapp_qr:phone';

const CHANNEL = 'whatsapp_qr';

interface ResumePayload {
  conversationId: string;
  /** The phone's message that started (or extended) the pause. */
  messageId: string;
}

/** A message the business wrote on its own phone in a chat Switchboard knows. */
export interface PhoneReply {
  tenantId: string;
  chatId: string;
  providerMessageId: string;
  text?: string;
  sentAt: Date;
  pauseMs: number;
}

/**
 * Records a message the business sent from its phone: it joins the transcript as an
 * outbound message, and the conversation moves to `human` (from `bot` or `needs_human`), so
 * the agent stays silent. A job hands it back after `pauseMs` unless the phone wrote again
 * meanwhile (that message's job then decides) or staff changed the state themselves.
 * Chats Switchboard has no conversation for, and messages already stored, change nothing.
 * Returns whether the conversation was taken over.
 */
export async function recordPhoneReply(
  dependencies: { db: Db; clock: Clock; events: EventBus },
  reply: PhoneReply,
): Promise<boolean> {
  const { db, clock, events } = dependencies;
  return db.$transaction(async (tx) => {
    const conversation = await tx.conversation.findUnique({
      where: {
        tenantId_channel_externalChatId: {
          tenantId: reply.tenantId,
          channel: CHANNEL,
          externalChatId: reply.chatId,
        },
      },
      select: { id: true, state: true },
    });
    if (!conversation) return false;
    const known = await tx.message.findUnique({
      where: {
        tenantId_channel_providerMessageId: {
          tenantId: reply.tenantId,
          channel: CHANNEL,
          providerMessageId: reply.providerMessageId,
        },
      },
      select: { id: true },
    });
    if (known) return false;
    const text = reply.text ?? null;
    const message = await tx.message.create({
      data: {
        tenantId: reply.tenantId,
        conversationId: conversation.id,
        channel: CHANNEL,
        direction: 'outbound',
        providerMessageId: reply.providerMessageId,
        kind: text === null ? 'unsupported' : 'text',
        text,
        parts: JSON.stringify(text === null ? [] : [{ type: 'text', text }]),
        status: 'sent',
        sentAt: reply.sentAt,
      },
      select: { id: true },
    });
    await tx.conversation.update({ where: { id: conversation.id }, data: { lastMessageAt: new Date() } });
    const takeover = conversation.state === 'bot' || conversation.state === 'needs_human';
    if (takeover) {
      await changeState(tx, {
        tenantId: reply.tenantId,
        conversationId: conversation.id,
        transition: 'takeover',
        actor: PHONE_ACTOR,
      });
      await events.publish(tx, {
        type: 'conversation.state',
        tenantId: reply.tenantId,
        conversationId: conversation.id,
        state: 'human',
      });
    }
    if (takeover || conversation.state === 'human') {
      await enqueueJobs(tx, [
        {
          tenantId: reply.tenantId,
          kind: RESUME_AGENT_JOB,
          payload: { conversationId: conversation.id, messageId: message.id } satisfies ResumePayload,
          runAtMs: clock.now() + reply.pauseMs,
        },
      ]);
    }
    await events.publish(tx, {
      type: 'message.created',
      tenantId: reply.tenantId,
      conversationId: conversation.id,
      direction: 'outbound',
    });
    return takeover;
  });
}

/**
 * Hands a conversation the phone took over back to the agent once the pause has passed: only
 * when the phone's message that scheduled this job is still its latest, and the phone (not
 * staff in the workspace) made the last state change.
 */
export function createResumeAgentHandler(dependencies: { db: Db; events: EventBus }): JobHandler {
  const { db, events } = dependencies;
  return async (job) => {
    const { conversationId, messageId } = job.payload as ResumePayload;
    await db.$transaction(async (tx) => {
      const conversation = await tx.conversation.findFirst({
        where: { id: conversationId, tenantId: job.tenantId },
        select: { state: true },
      });
      if (conversation?.state !== 'human') return;
      const trigger = await tx.message.findFirst({
        where: { id: messageId, conversationId },
        select: { createdAt: true },
      });
      if (!trigger) return;
      const newerFromPhone = await tx.message.count({
        where: {
          conversationId,
          direction: 'outbound',
          outbox: null,
          providerMessageId: { not: null },
          createdAt: { gt: trigger.createdAt },
        },
      });
      if (newerFromPhone > 0) return;
      const lastChange = await tx.message.findFirst({
        where: { conversationId, direction: 'internal', kind: 'state' },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        select: { parts: true },
      });
      const actor = (JSON.parse(lastChange?.parts ?? '[]') as Array<{ actor?: string }>)[0]?.actor;
      if (actor !== PHONE_ACTOR) return;
      await changeState(tx, {
        tenantId: job.tenantId,
        conversationId,
        transition: 'handback',
        actor: PHONE_ACTOR,
      });
      await events.publish(tx, {
        type: 'conversation.state',
        tenantId: job.tenantId,
        conversationId,
        state: 'bot',
      });
    });
  };
}
