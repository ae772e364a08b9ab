import type { z } from 'zod';
import type { ConnectionCheck, ConnectorDefinition, ConnectorValues } from '../core/connector.ts';
import type { Egress } from '../core/egress.ts';

/**
 * How a failed tool call is classified; the same words as the `error_type` of the
 * analytics event `integration_error`.
 */
export type ToolErrorType =
  | 'auth_expired'
  | 'rate_limited'
  | 'permission_denied'
  | 'not_found'
  | 'server_error'
  | 'network_error';

/** A tool failure with its classification; `message` is safe for logs (no content, no secrets). */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    readonly errorType: ToolErrorType,
    message: string,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

/**
 * Who the agent acts for in a turn. A customer conversation gets customer-scoped tools only,
 * and each tool limits what it reads and writes to this caller on the server, whatever its
 * arguments say. Identities are the contact's own, as the normalizer stored them.
 */
export interface ToolCaller {
  kind: 'customer' | 'staff';
  /** The contact the conversation is with; null for a staff turn. */
  contactId: string | null;
  /** The contact's email addresses, lower-cased; only these count as "their own" mail. */
  emails: string[];
  /** The contact's phone numbers in E.164. */
  phones: string[];
  /**
   * False when the sender could not be authenticated (an email that failed SPF/DKIM/DMARC):
   * such a caller gets no customer-scoped data at all.
   */
  verified: boolean;
}

/** What a tool run gets besides its validated input. */
export interface ToolContext {
  tenantId: string;
  conversationId: string;
  caller: ToolCaller;
  /**
   * Stable for this call across re-runs of the job (job, round, call index). Tools with side
   * effects derive their provider-side ids from it (a calendar UID, a Message-ID), so a second
   * run after a crash finds the first one's effect instead of acting again.
   */
  idempotencyKey: string;
  /** The decrypted configuration of the tool's connector for this tenant. */
  config: ConnectorValues;
  /** Aborted when the call's time is up; pass it to network calls. */
  signal: AbortSignal;
  /** The only way to reach a destination the tenant configured (a mail or calendar server, an API). */
  egress: Egress;
  now: () => Date;
}

/** What a tool returns: text for the model, and how many items it touched (for analytics). */
export interface ToolResult {
  /** What the model reads; the registry trims it to a budget. */
  content: string;
  itemsProcessed: number;
  /**
   * Set when the call failed first and recovered by itself (an OAuth tool's 401 saved by a
   * refreshed token): recorded as an `integration_error` with `auto_recovered: true`.
   */
  recovered?: { errorType: ToolErrorType; httpStatus: number | null };
}

/**
 * One action the agent can take. `provider`, `service` and `actionType` are what analytics
 * records for each call; `inputSchema` validates the model's arguments before `run`.
 */
export interface Tool<Input = unknown> {
  name: string;
  description: string;
  /** The connector whose configuration the tool needs (`imap`, `caldav`), or none. */
  connectorId?: string;
  provider: string;
  service: string;
  actionType: string;
  /** Reads (emails, calendar) also emit `integration_data_fetched` with this data type. */
  dataType?: string;
  /**
   * `customer`: may be offered in a customer conversation, because the tool itself limits
   * every read and write to `context.caller`. `staff`: never offered to a customer.
   */
  audience: 'customer' | 'staff';
  /** What the tool reads, for the scope model and the docs (`mail`, `calendar`, `none`…). */
  reads: readonly string[];
  /** True when a call changes something outside Switchboard (sends mail, books). */
  sideEffect: boolean;
  inputSchema: z.ZodType<Input>;
  run(input: Input, context: ToolContext): Promise<ToolResult>;
}

/** A tool integration in the connector hub: its configuration, connection test and tools. */
export interface Integration {
  id: string;
  connector: ConnectorDefinition;
  /** Connects through `egress`, like the tools do. */
  test(config: ConnectorValues, signal: AbortSignal, egress: Egress): Promise<ConnectionCheck>;
  tools: Tool[];
}

// From the agent half (issue #5): the offline agent calls the mail and calendar tools with
// these arguments, validated by each tool's `inputSchema` like the model's:
//   read_emails   { limit: number }                                  (latest first)
//   read_calendar { from: string, to: string }                       (ISO 8601 date-times)
//   create_event  { title: string, start: string, end: string }      (ISO 8601 date-times)
//   send_email    { to: string, subject: string, body: string }
// Tools without `connectorId` (request_human) are the agent's own; the registry records them in
// the transcript but emits no integration events. Extra optional fields are welcome.
// From the integrations half (issue #5): all date-times must carry an offset ("Z" or
// "+01:00"); a bare local time is rejected, since the tools cannot know the tenant's zone.
// Optional extras: read_emails { unreadOnly, since }, create_event { durationMinutes (end
// defaults to start + 60 min), description }. Each `content` is JSON: read_emails
// {"emails":[{from,subject,date,unread,snippet}]}, read_calendar {"events":[{title,start,end,
// allDay,location?}]} (UTC ISO; all-day as YYYY-MM-DD), create_event {"created":{uid,start,end}},
// send_email {"sent":true,"accepted":1}. Settings errors are ToolError `auth_expired`.
