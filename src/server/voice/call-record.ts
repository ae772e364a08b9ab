import { randomUUID } from 'node:crypto';
import type { Ingestor } from '../../normalizer/ingestor.ts';
import type { Db } from '../../store/index.ts';

/** The voice channel's id, in messages, identities and conversations. */
export const VOICE_CHANNEL = 'voice';

/**
 * A call as the transcript shows it: the first part of the call's message. Written when the
 * socket opens and again when it closes; latencies are per turn, from the caller's end of
 * speech to the first word or audio sent back.
 */
export interface CallSummary {
  type: 'call';
  mode: 'conversation_relay' | 'media_stream';
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** `caller_hung_up`, `handoff`, `error`, or Twilio's final call status when it told us. */
  ended: string | null;
  turns: number;
  toolCalls: number;
  interruptions: number;
  /** The staff number the call was transferred to, when it was. */
  handoff: { to: string } | null;
  latencyMs: number[];
}

/** The stored call a socket belongs to. */
export interface StoredCall {
  id: string;
  tenantId: string;
  callSid: string;
  conversationId: string;
  contactId: string;
  tenantName: string;
  contact: { displayName: string | null; locale: string | null };
}

/**
 * Stores the call as an inbound `call` message from the caller's number, through the
 * normalizer like any inbound message: the caller's identity and contact are resolved (the
 * same person as that number's SMS and WhatsApp), the conversation found or opened, and a
 * redelivered webhook (same CallSid) stores nothing twice. Resolves once committed.
 */
export async function storeIncomingCall(
  ingestor: Ingestor,
  call: { tenantId: string; callSid: string; from: string; callerName: string | undefined; at: Date },
): Promise<void> {
  await ingestor.ingest({
    tenantId: call.tenantId,
    channel: VOICE_CHANNEL,
    events: [
      {
        type: 'message',
        providerMessageId: call.callSid,
        chatId: call.from,
        sender: { externalId: call.from, ...(call.callerName ? { displayName: call.callerName } : {}) },
        sentAt: call.at,
        kind: 'call',
        parts: [],
      },
    ],
  });
}

/** The stored call with this CallSid in the tenant, or undefined. */
export async function findCall(db: Db, tenantId: string, callSid: string): Promise<StoredCall | undefined> {
  const row = await db.message.findFirst({
    where: { tenantId, channel: VOICE_CHANNEL, providerMessageId: callSid, kind: 'call' },
    select: {
      id: true,
      conversation: {
        select: {
          id: true,
          contactId: true,
          tenant: { select: { name: true } },
          contact: { select: { displayName: true, locale: true } },
        },
      },
    },
  });
  if (!row) return undefined;
  return {
    id: row.id,
    tenantId,
    callSid,
    conversationId: row.conversation.id,
    contactId: row.conversation.contactId,
    tenantName: row.conversation.tenant.name,
    contact: row.conversation.contact,
  };
}

/**
 * Marks the call as connected to a socket, once: the first socket to claim a call wins on
 * every process (one conditional update), so a per-call value cannot be used twice.
 */
export async function claimCall(db: Db, call: StoredCall, summary: CallSummary): Promise<boolean> {
  const { count } = await db.message.updateMany({
    where: { id: call.id, tenantId: call.tenantId, status: 'received' },
    data: { status: 'in_progress', parts: JSON.stringify([summary]) },
  });
  return count === 1;
}

/** Writes the call's summary (turns, latencies, how it ended). */
export async function saveSummary(db: Db, call: StoredCall, summary: CallSummary): Promise<void> {
  await db.message.updateMany({
    where: { id: call.id, tenantId: call.tenantId },
    data: { parts: JSON.stringify([summary]) },
  });
}

/** The call's summary as last saved, when it has one. */
export async function readSummary(
  db: Db,
  tenantId: string,
  callSid: string,
): Promise<CallSummary | undefined> {
  const row = await db.message.findFirst({
    where: { tenantId, channel: VOICE_CHANNEL, providerMessageId: callSid, kind: 'call' },
    select: { parts: true },
  });
  const [summary] = row ? (JSON.parse(row.parts) as CallSummary[]) : [];
  return summary?.type === 'call' ? summary : undefined;
}

/** Records Twilio's final call status (status callback) on the stored call. */
export async function recordCallStatus(
  db: Db,
  tenantId: string,
  callSid: string,
  status: string,
): Promise<boolean> {
  const { count } = await db.message.updateMany({
    where: { tenantId, channel: VOICE_CHANNEL, providerMessageId: callSid, kind: 'call' },
    data: { status },
  });
  return count === 1;
}

/**
 * One spoken line of the call as a message: what the caller said (inbound) or what the
 * caller heard of the agent (outbound). `turn` makes its provider id unique in the call.
 */
export async function recordSpeech(
  db: Db,
  call: StoredCall,
  line: { direction: 'inbound' | 'outbound'; turn: string; text: string; at: Date; interrupted?: boolean },
): Promise<string> {
  const id = randomUUID();
  await db.$transaction(async (tx) => {
    await tx.message.create({
      data: {
        id,
        tenantId: call.tenantId,
        conversationId: call.conversationId,
        channel: VOICE_CHANNEL,
        direction: line.direction,
        providerMessageId: `${call.callSid}:${line.direction === 'inbound' ? 'caller' : 'agent'}:${line.turn}`,
        kind: 'text',
        text: line.text,
        parts: JSON.stringify([
          { type: 'text', text: line.text },
          ...(line.interrupted ? [{ type: 'interrupted' }] : []),
        ]),
        status: line.direction === 'inbound' ? 'received' : 'sent',
        sentAt: line.at,
        createdAt: line.at,
      },
    });
    await tx.conversation.updateMany({
      where: { id: call.conversationId, tenantId: call.tenantId },
      data: { lastMessageAt: line.at },
    });
  });
  return id;
}

/** Cuts a stored agent line to what the caller heard before interrupting. */
export async function recordHeard(db: Db, call: StoredCall, messageId: string, heard: string): Promise<void> {
  await db.message.updateMany({
    where: { id: messageId, tenantId: call.tenantId },
    data: {
      text: heard,
      parts: JSON.stringify([{ type: 'text', text: heard }, { type: 'interrupted' }]),
    },
  });
}

/** The conversation's state: a turn that ends in `needs_human` asked for a person. */
export async function conversationState(db: Db, call: StoredCall): Promise<string | undefined> {
  const row = await db.conversation.findFirst({
    where: { id: call.conversationId, tenantId: call.tenantId },
    select: { state: true },
  });
  return row?.state;
}
