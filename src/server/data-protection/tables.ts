/**
 * How erasing a contact treats every table. `test/security/erase.test.ts` compares these
 * keys with the tables the database has, so a new table fails that test until someone decides
 * here (and in `contact-erase.ts`) what erasure does with it.
 */
export const contactErasure: Record<string, string> = {
  tenants: 'kept: the business, holds nothing about the contact',
  staff_users: 'kept: the business’s staff',
  staff_sessions: 'kept: staff logins, nothing about a contact',
  api_tokens: 'kept: credentials',
  connector_configs: 'kept: the business’s connections',
  analytics_write_keys: 'kept: credentials',
  contacts: 'deleted',
  channel_identities: 'deleted with the contact (cascade): ids, numbers, addresses',
  conversations: 'deleted with the contact (cascade)',
  messages: 'deleted with the conversations (cascade)',
  message_edits: 'deleted with the messages (cascade)',
  outbox: 'deleted with the messages (cascade)',
  jobs: 'deleted when the payload names the contact, a conversation, message, outbox row or event of it',
  analytics_events: 'deleted when the chat id or properties name a conversation or message of the contact',
  audit_log: 'entries naming the contact or its conversations keep action and time, lose target and details',
  tool_calls: 'deleted by conversation: arguments and results of the agent’s tools',
  pending_actions: 'deleted by conversation: tool calls that waited for approval',
  token_usage: 'kept for the daily budget, without conversation id and turn key',
  daily_notices: 'kept: one per tenant, day and kind, nothing about a contact',
  oauth_grants: 'kept: the business’s Google or Microsoft connection',
  oauth_states: 'kept: started connections of staff, nothing about a contact',
  whatsapp_qr_auth: 'kept: the business’s WhatsApp link (sealed keys)',
  whatsapp_qr_sessions: 'kept: the business’s WhatsApp link state',
  whatsapp_qr_lid_mappings: 'deleted for the contact’s WhatsApp (QR) number and LID',
};

/**
 * Tables that have no `tenantId` column: deleting a tenant reaches them only through foreign
 * keys that cascade. Every other table is cleared by its `tenantId` (see `tenant-delete.ts`).
 */
export const tenantDeletionByCascade: Record<string, string> = {
  tenants: 'the tenant row itself',
  message_edits: 'cascade from messages',
};
