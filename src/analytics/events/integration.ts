// The ten integration events of the seed (../shared/seeds/integration-events.md), with its
// property names, types and enums. Where the seed types `provider`, `service` or
// `previous_disconnect_reason` as a plain string, its own enums are used instead, and the
// remaining strings are codes or domains: free text has no place to go.
import { z } from 'zod';
import { amount, count, domain, errorCode, milliseconds, opaqueId, operation } from './fields.ts';

export const integrationProvider = z.enum(['google', 'microsoft', 'meta', 'linkedin', 'none']);

export const integrationService = z.enum([
  'gmail',
  'google_calendar',
  'google_drive',
  'outlook',
  'onedrive',
  'github',
  'atlassian',
  'ionos_mail',
  // Any host's mail over IMAP/SMTP and any CalDAV server (issue #5); their provider is `none`.
  'imap_mail',
  'caldav',
  'facebook',
  'instagram',
  'linkedin',
  'slack',
  'discord',
]);

export const integrationStatus = z.enum(['disconnected', 'connecting', 'connected', 'error']);
export const integrationCategory = z.enum(['productivity', 'social']);
export const disconnectReason = z.enum(['user_initiated', 'token_expired', 'revoked', 'error']);
export const oauthErrorType = z.enum([
  'user_cancelled',
  'access_denied',
  'timeout',
  'invalid_scope',
  'server_error',
  'network_error',
  'unknown',
]);
export const dataType = z.enum([
  'emails',
  'calendar_events',
  'files',
  'contacts',
  'posts',
  'messages',
  'issues',
  'documents',
]);
export const actionType = z.enum([
  'read_emails',
  'read_calendar',
  'read_files',
  'send_email',
  'create_event',
  'upload_file',
  'search',
  'other',
]);
export const integrationErrorType = z.enum([
  'auth_expired',
  'rate_limited',
  'permission_denied',
  'not_found',
  'server_error',
  'network_error',
]);

const provider = integrationProvider;
const service = integrationService;

/** Property schemas of the seed's integration events, by event name. */
export const integrationEvents = {
  integration_viewed: z.strictObject({
    provider,
    service,
    current_status: integrationStatus,
    category: integrationCategory,
  }),
  integration_connect_clicked: z.strictObject({
    provider,
    service,
    category: integrationCategory,
    is_reconnect: z.boolean(),
    previous_status: z.enum(['disconnected', 'error']),
  }),
  integration_oauth_started: z.strictObject({ provider, service, oauth_domain: domain }),
  integration_oauth_completed: z.strictObject({
    provider,
    service,
    duration_ms: milliseconds,
    scopes_granted_count: count,
    is_first_connection: z.boolean(),
  }),
  integration_oauth_failed: z.strictObject({
    provider,
    service,
    error_type: oauthErrorType,
    oauth_error_code: errorCode.nullable(),
    duration_ms: milliseconds,
  }),
  integration_disconnected: z.strictObject({
    provider,
    service,
    connection_age_days: amount,
    disconnect_reason: disconnectReason,
    usage_count: count,
  }),
  integration_reconnected: z.strictObject({
    provider,
    service,
    days_since_disconnect: amount,
    previous_disconnect_reason: disconnectReason,
  }),
  integration_data_fetched: z.strictObject({
    provider,
    service,
    data_type: dataType,
    item_count: count,
    fetch_duration_ms: milliseconds,
    is_refresh: z.boolean(),
  }),
  integration_used_in_chat: z.strictObject({
    chat_id: opaqueId,
    agent_id: opaqueId,
    provider,
    service,
    action_type: actionType,
    success: z.boolean(),
    items_processed: count,
  }),
  integration_error: z.strictObject({
    provider,
    service,
    error_type: integrationErrorType,
    http_status: z.int().min(100).max(599).nullable(),
    operation,
    auto_recovered: z.boolean(),
  }),
};

export type IntegrationProvider = z.infer<typeof integrationProvider>;
export type IntegrationService = z.infer<typeof integrationService>;
export type IntegrationStatus = z.infer<typeof integrationStatus>;
