/**
 * Helpers for the analytics suites: write keys through the admin API, posts to the collector,
 * and valid example properties for every catalog event.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { EventName, EventProperties, TrackedEvent } from '../../src/analytics/catalog.ts';
import type { TestGateway, TestTenant } from '../support/gateway.ts';

/** Creates a write key for the tenant; fails unless the gateway answers 201. */
export async function createWriteKey(
  gateway: TestGateway,
  tenant: TestTenant,
  label = 'tests',
): Promise<{ id: string; writeKey: string }> {
  const response = await gateway.request({
    method: 'POST',
    url: '/admin/analytics/write-keys',
    token: tenant.apiToken,
    payload: { label },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** Posts a JSON body to a collector route with the write key (none when undefined). */
export function collect(
  gateway: TestGateway,
  writeKey: string | undefined,
  path: string,
  body: unknown,
): Promise<LightMyRequestResponse> {
  return gateway.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', ...(writeKey ? { 'x-write-key': writeKey } : {}) },
    payload: JSON.stringify(body),
  });
}

/** Reads a dashboard route for the tenant and fails unless it answers 200. */
export async function dashboard(
  gateway: TestGateway,
  tenant: TestTenant,
  route: string,
  window?: { from: string; to: string },
): Promise<Record<string, unknown>> {
  const query = window ? `?from=${encodeURIComponent(window.from)}&to=${encodeURIComponent(window.to)}` : '';
  const response = await gateway.request({
    method: 'GET',
    url: `/admin/analytics/${route}${query}`,
    token: tenant.apiToken,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** A conversation id as the gateway generates them. */
export const conversationId = () => randomUUID();

/** One valid set of properties per catalog event. */
export const exampleProperties: { [Name in EventName]: EventProperties<Name> } = {
  integration_viewed: {
    provider: 'google',
    service: 'gmail',
    current_status: 'disconnected',
    category: 'productivity',
  },
  integration_connect_clicked: {
    provider: 'google',
    service: 'gmail',
    category: 'productivity',
    is_reconnect: false,
    previous_status: 'disconnected',
  },
  integration_oauth_started: { provider: 'google', service: 'gmail', oauth_domain: 'accounts.google.com' },
  integration_oauth_completed: {
    provider: 'google',
    service: 'gmail',
    duration_ms: 5400,
    scopes_granted_count: 3,
    is_first_connection: true,
  },
  integration_oauth_failed: {
    provider: 'microsoft',
    service: 'outlook',
    error_type: 'access_denied',
    oauth_error_code: 'AADSTS65004',
    duration_ms: 2100,
  },
  integration_disconnected: {
    provider: 'google',
    service: 'google_drive',
    connection_age_days: 12.5,
    disconnect_reason: 'user_initiated',
    usage_count: 40,
  },
  integration_reconnected: {
    provider: 'google',
    service: 'google_drive',
    days_since_disconnect: 3,
    previous_disconnect_reason: 'token_expired',
  },
  integration_data_fetched: {
    provider: 'microsoft',
    service: 'onedrive',
    data_type: 'files',
    item_count: 25,
    fetch_duration_ms: 830,
    is_refresh: true,
  },
  integration_used_in_chat: {
    chat_id: '0b7f6c2e-5d0a-4c8e-9a51-1f2d3c4b5a69',
    agent_id: 'cm3x1y2z3a4b5c6d7e8f9g0h1',
    provider: 'google',
    service: 'gmail',
    action_type: 'read_emails',
    success: true,
    items_processed: 5,
  },
  integration_error: {
    provider: 'google',
    service: 'google_calendar',
    error_type: 'rate_limited',
    http_status: 429,
    operation: 'events.list',
    auto_recovered: true,
  },
  message_received: {
    channel: 'telegram',
    direction: 'inbound',
    conversation_id: '0b7f6c2e-5d0a-4c8e-9a51-1f2d3c4b5a69',
  },
  message_sent: {
    channel: 'telegram',
    direction: 'outbound',
    conversation_id: '0b7f6c2e-5d0a-4c8e-9a51-1f2d3c4b5a69',
    attempts: 1,
  },
  message_failed: {
    channel: 'telegram',
    direction: 'outbound',
    conversation_id: '0b7f6c2e-5d0a-4c8e-9a51-1f2d3c4b5a69',
    attempts: 4,
    reason: 'dead_lettered',
    error_code: 'PROVIDER_REJECTED',
  },
  message_handoff: {
    channel: 'telegram',
    conversation_id: '0b7f6c2e-5d0a-4c8e-9a51-1f2d3c4b5a69',
    reason: 'customer_request',
  },
  content_viewed: {
    app: 'momentum-backend',
    content_id: 'GET:/api/integrations',
    content_type: 'post',
    device_type: 'desktop',
    duration: 42,
  },
  engagement_recorded: {
    metric_type: 'comment',
    target_id: 'conversation-42',
    target_type: 'content',
    business_event_type: 'message_sent',
  },
};

/** The example event of that name for the tenant, ready for the tracker. */
export function exampleEvent(name: EventName, tenantId: string): TrackedEvent {
  // TypeScript cannot tie the name to its properties through the lookup; the table above does.
  return { event: name, tenantId, properties: exampleProperties[name] } as TrackedEvent;
}
