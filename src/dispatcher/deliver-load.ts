import { sqlBoolean } from '../store/dialect.ts';
import { readDate, type SqlSession } from '../store/sql.ts';

/** One piece of a reply, with what the deliver job needs to send it. */
export interface OutboxPiece {
  id: string;
  messageId: string;
  channel: string;
  status: string;
  createdAt: Date;
  text: string | null;
  /** The message's kind and parts: a media reply carries its file in them. */
  kind: string;
  parts: string;
  conversation: { id: string; externalChatId: string };
  optedOut: boolean;
  /** When the customer last wrote in this conversation: the channel's window is counted from it. */
  lastInboundAt: Date | null;
}

type PieceRow = Omit<OutboxPiece, 'createdAt' | 'conversation' | 'optedOut' | 'lastInboundAt'> & {
  createdAt: Date | string;
  conversationId: string;
  externalChatId: string;
  optedOut: boolean | number;
  lastInboundAt: Date | string | null;
};

/**
 * A piece of a reply with its message, conversation, contact and the conversation's last
 * inbound time in one statement, where Prisma's include took five (bench/README.md). Scoped
 * by the job's tenant as well as the id: a job never touches another tenant's row.
 */
const LOAD_PIECE = `
    SELECT o."id", o."messageId", o."channel", o."status", o."createdAt", m."text", m."kind", m."parts",
           c."id" AS "conversationId", c."externalChatId", p."optedOut",
           (SELECT l."createdAt" FROM "messages" l
            WHERE l."conversationId" = c."id" AND l."direction" = 'inbound'
            ORDER BY l."createdAt" DESC LIMIT 1) AS "lastInboundAt"
    FROM "outbox" o
    JOIN "messages" m ON m."id" = o."messageId"
    JOIN "conversations" c ON c."id" = m."conversationId"
    JOIN "contacts" p ON p."id" = c."contactId"
    WHERE o."id" = ? AND o."tenantId" = ?`;

/** Loads one piece on the driver (a prepared statement, no query compiler: it runs for every piece). */
export async function loadOutboxPiece(
  sql: SqlSession,
  tenantId: string,
  outboxId: string,
): Promise<OutboxPiece | undefined> {
  const [row] = await sql.all<PieceRow>(LOAD_PIECE, [outboxId, tenantId]);
  if (!row) return undefined;
  return {
    id: row.id,
    messageId: row.messageId,
    channel: row.channel,
    status: row.status,
    createdAt: readDate(row.createdAt),
    text: row.text,
    kind: row.kind,
    parts: row.parts,
    conversation: { id: row.conversationId, externalChatId: row.externalChatId },
    optedOut: sqlBoolean(row.optedOut),
    lastInboundAt: row.lastInboundAt === null ? null : readDate(row.lastInboundAt),
  };
}
