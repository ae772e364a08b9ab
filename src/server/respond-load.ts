import { sqlBoolean } from '../store/dialect.ts';
import { readDate, readNumber, type SqlSession } from '../store/sql.ts';

/** Everything the respond job reads before the agent's turn, from one statement. */
export interface RespondSubject {
  message: {
    id: string;
    channel: string;
    kind: string;
    text: string | null;
    providerMessageId: string | null;
    senderVerified: boolean | null;
    createdAt: Date;
  };
  conversation: { id: string; state: string; externalChatId: string; contactId: string };
  contact: { displayName: string | null; locale: string | null; optedOut: boolean };
  tenant: { id: string; name: string; agentSettings: string | null };
  /** The policy held pieces of earlier replies in this conversation (see `releaseHeld`). */
  holdsReplies: boolean;
  /** This message's reply was recorded before: the job is a re-run. */
  answered: boolean;
  /** The conversation has an inbound message newer than this one (a burst: the newest answers it). */
  newerInbound: boolean;
  /** The agent's replies to this contact, on any channel, since `since` (first pieces only). */
  repliesToContact: number;
}

interface SubjectRow {
  id: string;
  channel: string;
  kind: string;
  text: string | null;
  providerMessageId: string | null;
  senderVerified: boolean | number | null;
  createdAt: Date | string;
  conversationId: string;
  state: string;
  externalChatId: string;
  contactId: string;
  displayName: string | null;
  locale: string | null;
  optedOut: boolean | number;
  tenantName: string;
  agentSettings: string | null;
  holdsReplies: boolean | number | bigint;
  answered: boolean | number | bigint;
  newerInbound: boolean | number | bigint;
  repliesToContact: number | bigint | string;
}

/**
 * The respond job's read; its parameters: the reply's idempotency key, `since` twice, the
 * message id and the tenant id. Exported for its query plan's test.
 */
export const RESPOND_SUBJECT_SQL = `SELECT m."id", m."channel", m."kind", m."text", m."providerMessageId", m."senderVerified",
            m."createdAt", c."id" AS "conversationId", c."state", c."externalChatId", c."contactId",
            p."displayName", p."locale", p."optedOut", t."name" AS "tenantName", t."agentSettings",
            EXISTS (SELECT 1 FROM "outbox" h JOIN "messages" hm ON hm."id" = h."messageId"
                    WHERE h."tenantId" = m."tenantId" AND h."status" = 'held'
                      AND hm."conversationId" = m."conversationId") AS "holdsReplies",
            EXISTS (SELECT 1 FROM "outbox" WHERE "idempotencyKey" = ?) AS "answered",
            EXISTS (SELECT 1 FROM "messages" n
                    WHERE n."conversationId" = m."conversationId" AND n."direction" = 'inbound'
                      AND (n."createdAt" > m."createdAt"
                           OR (n."createdAt" = m."createdAt" AND n."id" > m."id"))) AS "newerInbound",
            (SELECT COUNT(*) FROM "conversations" rc
               JOIN "messages" rm ON rm."conversationId" = rc."id" AND rm."createdAt" >= ?
               JOIN "outbox" r ON r."messageId" = rm."id"
             WHERE rc."tenantId" = m."tenantId" AND rc."contactId" = c."contactId"
               AND rm."direction" = 'outbound'
               AND r."idempotencyKey" LIKE 'reply:%' AND r."idempotencyKey" NOT LIKE '%#%'
               AND r."createdAt" >= ?) AS "repliesToContact"
     FROM "messages" m
     JOIN "conversations" c ON c."id" = m."conversationId"
     JOIN "contacts" p ON p."id" = c."contactId"
     JOIN "tenants" t ON t."id" = m."tenantId"
     WHERE m."id" = ? AND m."tenantId" = ?`;

/**
 * Loads the inbound message a respond job answers, with its conversation, contact and
 * tenant and the facts the flood rules need, in one driver statement: each Prisma statement
 * costs about a millisecond of CPU, and the job used to spend eight of them here
 * (bench/README.md). Every subquery starts from an index: the contact's replies are counted
 * from the contact's conversations (`conversations_tenantId_contactId_idx`) through their
 * messages of the last hour, not by scanning the tenant's outbox. Scoped by the job's tenant.
 * Undefined when the message is gone (retention, tenant deleted).
 */
export async function loadRespondSubject(
  sql: SqlSession,
  request: { tenantId: string; messageId: string; idempotencyKey: string; since: Date },
): Promise<RespondSubject | undefined> {
  const { tenantId, messageId, idempotencyKey, since } = request;
  // A reply's outbox row and its message share one createdAt (enqueueReply), so bounding the
  // messages by `since` bounds the replies.
  const rows = await sql.all<SubjectRow>(RESPOND_SUBJECT_SQL, [
    idempotencyKey,
    since,
    since,
    messageId,
    tenantId,
  ]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    message: {
      id: row.id,
      channel: row.channel,
      kind: row.kind,
      text: row.text,
      providerMessageId: row.providerMessageId,
      senderVerified: row.senderVerified === null ? null : sqlBoolean(row.senderVerified),
      createdAt: readDate(row.createdAt),
    },
    conversation: {
      id: row.conversationId,
      state: row.state,
      externalChatId: row.externalChatId,
      contactId: row.contactId,
    },
    contact: { displayName: row.displayName, locale: row.locale, optedOut: sqlBoolean(row.optedOut) },
    tenant: { id: tenantId, name: row.tenantName, agentSettings: row.agentSettings },
    holdsReplies: sqlBoolean(row.holdsReplies),
    answered: sqlBoolean(row.answered),
    newerInbound: sqlBoolean(row.newerInbound),
    repliesToContact: readNumber(row.repliesToContact),
  };
}
