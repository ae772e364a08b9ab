import { describe, expect, it } from 'vitest';
import { checkEvent, eventCatalog, eventNames } from '../../src/analytics/catalog.ts';
import {
  actionType,
  dataType,
  disconnectReason,
  integrationCategory,
  integrationErrorType,
  integrationProvider,
  integrationService,
  integrationStatus,
  oauthErrorType,
} from '../../src/analytics/events/integration.ts';
import { exampleProperties } from './support.ts';

/** The seed's property names per integration event (../shared/seeds/integration-events.md). */
const seedProperties = {
  integration_viewed: ['provider', 'service', 'current_status', 'category'],
  integration_connect_clicked: ['provider', 'service', 'category', 'is_reconnect', 'previous_status'],
  integration_oauth_started: ['provider', 'service', 'oauth_domain'],
  integration_oauth_completed: [
    'provider',
    'service',
    'duration_ms',
    'scopes_granted_count',
    'is_first_connection',
  ],
  integration_oauth_failed: ['provider', 'service', 'error_type', 'oauth_error_code', 'duration_ms'],
  integration_disconnected: [
    'provider',
    'service',
    'connection_age_days',
    'disconnect_reason',
    'usage_count',
  ],
  integration_reconnected: ['provider', 'service', 'days_since_disconnect', 'previous_disconnect_reason'],
  integration_data_fetched: [
    'provider',
    'service',
    'data_type',
    'item_count',
    'fetch_duration_ms',
    'is_refresh',
  ],
  integration_used_in_chat: [
    'chat_id',
    'agent_id',
    'provider',
    'service',
    'action_type',
    'success',
    'items_processed',
  ],
  integration_error: ['provider', 'service', 'error_type', 'http_status', 'operation', 'auto_recovered'],
};

const problemsOf = (event: string, properties: unknown) => {
  const check = checkEvent({ event, properties });
  return check.ok ? [] : check.problems;
};

describe('event catalog', () => {
  it('has the ten seed events with exactly the seed property names, plus message and client events', () => {
    for (const [event, names] of Object.entries(seedProperties)) {
      const schema = eventCatalog[event as keyof typeof seedProperties];
      expect(Object.keys(schema.shape).sort(), event).toEqual([...names].sort());
    }
    expect(eventNames.filter((name) => name.startsWith('integration_'))).toHaveLength(10);
    expect(eventNames).toEqual(
      expect.arrayContaining([
        'message_received',
        'message_sent',
        'message_failed',
        'message_handoff',
        'content_viewed',
        'engagement_recorded',
      ]),
    );
  });

  it("keeps the seed's enums value for value; services add only the integrations built beyond it", () => {
    expect(integrationProvider.options).toEqual(['google', 'microsoft', 'meta', 'linkedin', 'none']);
    const seedServices = [
      'gmail',
      'google_calendar',
      'google_drive',
      'outlook',
      'onedrive',
      'github',
      'atlassian',
      'ionos_mail',
      'facebook',
      'instagram',
      'linkedin',
      'slack',
      'discord',
    ];
    // Every service of the seed, plus the integrations built beyond it (IMAP/CalDAV, issue #5).
    expect(integrationService.options.filter((service) => seedServices.includes(service))).toEqual(
      seedServices,
    );
    expect(integrationService.options.filter((service) => !seedServices.includes(service))).toEqual([
      'imap_mail',
      'caldav',
    ]);
    expect(integrationStatus.options).toEqual(['disconnected', 'connecting', 'connected', 'error']);
    expect(integrationCategory.options).toEqual(['productivity', 'social']);
    expect(oauthErrorType.options).toEqual([
      'user_cancelled',
      'access_denied',
      'timeout',
      'invalid_scope',
      'server_error',
      'network_error',
      'unknown',
    ]);
    expect(disconnectReason.options).toEqual(['user_initiated', 'token_expired', 'revoked', 'error']);
    expect(dataType.options).toEqual([
      'emails',
      'calendar_events',
      'files',
      'contacts',
      'posts',
      'messages',
      'issues',
      'documents',
    ]);
    expect(actionType.options).toEqual([
      'read_emails',
      'read_calendar',
      'read_files',
      'send_email',
      'create_event',
      'upload_file',
      'search',
      'other',
    ]);
    expect(integrationErrorType.options).toEqual([
      'auth_expired',
      'rate_limited',
      'permission_denied',
      'not_found',
      'server_error',
      'network_error',
    ]);
  });

  it.each(eventNames)('accepts a valid %s', (event) => {
    expect(problemsOf(event, exampleProperties[event])).toEqual([]);
  });

  it.each(eventNames)('rejects %s with an unknown property, naming the object', (event) => {
    expect(problemsOf(event, { ...exampleProperties[event], note: 'hello' })).toEqual([
      'properties: unrecognized_keys',
    ]);
  });

  it.each(eventNames)('rejects %s with a required property missing, naming it', (event) => {
    const [first, ...rest] = Object.entries(exampleProperties[event]);
    // zod reports a missing enum as invalid_value, a missing number or boolean as invalid_type.
    expect(problemsOf(event, Object.fromEntries(rest))).toEqual([
      expect.stringMatching(new RegExp(`^properties\\.${first![0]}: invalid_(type|value)$`)),
    ]);
  });

  it('rejects nullable seed fields only when they are missing, not when null', () => {
    const failed = { ...exampleProperties.integration_oauth_failed, oauth_error_code: null };
    expect(problemsOf('integration_oauth_failed', failed)).toEqual([]);
    const error = { ...exampleProperties.integration_error, http_status: null };
    expect(problemsOf('integration_error', error)).toEqual([]);
  });

  it('has no place for free text: content, addresses, provider ids and URLs are refused', () => {
    const used = exampleProperties.integration_used_in_chat;
    const refused: Array<[string, Record<string, unknown>, string]> = [
      ['integration_used_in_chat', { ...used, chat_id: '5550001001' }, 'properties.chat_id'],
      ['integration_used_in_chat', { ...used, chat_id: 'anna@example.com' }, 'properties.chat_id'],
      ['integration_used_in_chat', { ...used, agent_id: 'Support Bot' }, 'properties.agent_id'],
      ['integration_used_in_chat', { ...used, service: 'Re: Invoice Q3' }, 'properties.service'],
      [
        'integration_error',
        { ...exampleProperties.integration_error, operation: 'read the mail from anna' },
        'properties.operation',
      ],
      [
        'integration_oauth_started',
        { ...exampleProperties.integration_oauth_started, oauth_domain: 'https://x.test/cb?code=secret' },
        'properties.oauth_domain',
      ],
      [
        'integration_oauth_failed',
        { ...exampleProperties.integration_oauth_failed, oauth_error_code: 'token ya29.a0Af' },
        'properties.oauth_error_code',
      ],
      [
        'content_viewed',
        { ...exampleProperties.content_viewed, content_id: 'GET:/api/users?email=anna@example.com' },
        'properties.content_id',
      ],
      [
        'integration_oauth_failed',
        { ...exampleProperties.integration_oauth_failed, oauth_error_code: 'ya29.a0AfH6SMBx3kT9' },
        'properties.oauth_error_code',
      ],
      [
        'integration_error',
        { ...exampleProperties.integration_error, operation: '4f9a1c2be7d30a6b' },
        'properties.operation',
      ],
      [
        'content_viewed',
        {
          ...exampleProperties.content_viewed,
          content_id: 'GET:/reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFubmEifQ',
        },
        'properties.content_id',
      ],
    ];
    for (const [event, properties, path] of refused) {
      expect(problemsOf(event, properties), `${event} ${path}`).toEqual([
        expect.stringMatching(
          new RegExp(`^${path.replace('.', '\\.')}: (invalid_format|invalid_value|custom)$`),
        ),
      ]);
    }
  });

  it('refuses wrong types, negative counts and fractions where the seed counts', () => {
    const completed = exampleProperties.integration_oauth_completed;
    expect(problemsOf('integration_oauth_completed', { ...completed, duration_ms: -1 })).toEqual([
      'properties.duration_ms: too_small',
    ]);
    expect(problemsOf('integration_oauth_completed', { ...completed, scopes_granted_count: 1.5 })).toEqual([
      'properties.scopes_granted_count: invalid_type',
    ]);
    expect(problemsOf('integration_oauth_completed', { ...completed, is_first_connection: 'yes' })).toEqual([
      'properties.is_first_connection: invalid_type',
    ]);
    expect(
      problemsOf('integration_viewed', { ...exampleProperties.integration_viewed, provider: 'apple' }),
    ).toEqual(['properties.provider: invalid_value']);
  });

  it('rejects an event that is not in the catalog', () => {
    expect(problemsOf('page_viewed', {})).toEqual(['event: not in the catalog']);
    expect(problemsOf('toString', {})).toEqual(['event: not in the catalog']);
  });
});
