// Forwarding: a tenant may have its events sent on to an external collector that speaks the
// seed client's protocol (POST JSON with `X-Write-Key`). The configuration lives in the
// connector hub as `analytics_forwarding`, which already stores secrets encrypted, masks them,
// audits changes and offers a connection test; the durable outbox is the job queue (see
// src/server/analytics-forward-job.ts).
import { classifyConnectionFailure, connectionFailureText } from '../core/connection-failure.ts';
import type { ConnectionCheck, ConnectorDefinition, ConnectorValues } from '../core/connector.ts';
import { AppError } from '../core/errors.ts';
import type { EventName } from './catalog.ts';

export const ANALYTICS_FORWARDING = 'analytics_forwarding';

/** Each call to the external collector gets this long before it counts as failed. */
export const FORWARD_TIMEOUT_MS = 5_000;

/** Where one tenant's events go. */
export interface CollectorTarget {
  baseUrl: string;
  writeKey: string;
}

/** A stored event as forwarding reads it. */
export interface ForwardedEvent {
  id: string;
  name: string;
  properties: string;
  occurredAt: Date;
}

const docsEnglish = `## Forward analytics events

Switchboard keeps every analytics event in its own database. To send them on to another
collector as well — a second Switchboard, or any service that speaks the same protocol —
enter its base URL and a write key it issued.

1. **Collector URL**: the base URL, for example \`https://analytics.example.com\`. Events are
   posted to \`/analytics/track/view\` and \`/analytics/track/engagement\` (the backend
   client's endpoints) and \`/analytics/track\` (every other catalog event), as JSON with the
   header \`X-Write-Key\`.
2. **Write key**: stored encrypted, shown masked.
3. **Test** sends an empty event, which the collector must refuse as invalid (400): that
   proves the URL is a collector and the key is accepted, without storing anything there.

Every event is forwarded at least once: each one is a job in the queue, retried with backoff
when the collector answers 5xx or 429 or does not answer within 5 seconds.`;

const docsGerman = `## Analytics-Ereignisse weiterleiten

Switchboard speichert jedes Analytics-Ereignis in der eigenen Datenbank. Um sie zusätzlich an
einen anderen Collector zu senden — ein zweites Switchboard oder einen Dienst mit demselben
Protokoll —, trage dessen Basis-URL und einen von ihm ausgestellten Write Key ein.

1. **Collector-URL**: die Basis-URL, zum Beispiel \`https://analytics.example.com\`.
   Ereignisse gehen an \`/analytics/track/view\` und \`/analytics/track/engagement\` (die
   Endpunkte des Backend-Clients) und an \`/analytics/track\` (alle übrigen Ereignisse des
   Katalogs), als JSON mit dem Header \`X-Write-Key\`.
2. **Write Key**: wird verschlüsselt gespeichert und maskiert angezeigt.
3. **Testen** sendet ein leeres Ereignis, das der Collector als ungültig ablehnen muss (400):
   So ist geprüft, dass die URL ein Collector ist und den Schlüssel annimmt, ohne dort etwas
   zu speichern.

Jedes Ereignis wird mindestens einmal weitergeleitet: Jedes ist ein Job in der Warteschlange
und wird mit wachsendem Abstand wiederholt, wenn der Collector mit 5xx oder 429 antwortet oder
nicht binnen 5 Sekunden.`;

/** The connector hub entry for forwarding. */
export const forwardingConnector: ConnectorDefinition = {
  id: ANALYTICS_FORWARDING,
  name: 'Analytics forwarding',
  category: 'analytics',
  fields: [
    {
      key: 'base_url',
      label: 'Collector URL',
      required: true,
      secret: false,
      description: 'Base URL of the external collector, e.g. https://analytics.example.com',
    },
    {
      key: 'write_key',
      label: 'Write key',
      required: true,
      secret: true,
      description: 'Sent as X-Write-Key with every event.',
    },
  ],
  docs: { en: docsEnglish, de: docsGerman },
};

/** Checks the collector URL and drops trailing slashes. Throws VALIDATION_FAILED otherwise. */
export function prepareForwardingConfig(values: ConnectorValues): ConnectorValues {
  const baseUrl = values.base_url ?? '';
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'base_url must be an http(s) URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username)
    throw new AppError('VALIDATION_FAILED', 'base_url must be an http(s) URL without query or credentials');
  return { ...values, base_url: baseUrl.replace(/\/+$/, '') };
}

/** The stored configuration as a target; undefined when a field is missing. */
export function targetOf(values: ConnectorValues | undefined): CollectorTarget | undefined {
  if (!values?.base_url || !values.write_key) return undefined;
  return { baseUrl: values.base_url, writeKey: values.write_key };
}

/**
 * The request the seed's protocol expects for one stored event: views and engagements go to
 * the client's own endpoints with its field names, every other event to `/analytics/track`.
 */
export function collectorRequest(event: ForwardedEvent): { path: string; body: Record<string, unknown> } {
  const properties = JSON.parse(event.properties) as Record<string, unknown>;
  const timestamp = event.occurredAt.toISOString();
  switch (event.name as EventName) {
    case 'content_viewed':
      return {
        path: '/analytics/track/view',
        body: {
          app: properties.app,
          contentId: properties.content_id,
          contentType: properties.content_type,
          deviceType: properties.device_type,
          ...(properties.duration === undefined ? {} : { duration: properties.duration }),
          timestamp,
        },
      };
    case 'engagement_recorded':
      return {
        path: '/analytics/track/engagement',
        body: {
          metricType: properties.metric_type,
          targetId: properties.target_id,
          targetType: properties.target_type,
          ...(properties.business_event_type === undefined
            ? {}
            : { metadata: { businessEventType: properties.business_event_type } }),
          timestamp,
        },
      };
    default:
      return { path: '/analytics/track', body: { event: event.name, properties, timestamp } };
  }
}

async function post(
  fetchImplementation: typeof fetch,
  target: CollectorTarget,
  request: { path: string; body: unknown },
  timeoutMs: number,
): Promise<Response> {
  try {
    return await fetchImplementation(`${target.baseUrl}${request.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-write-key': target.writeKey },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = classifyConnectionFailure(error) ?? 'connection_failed';
    // A refused destination stays refused until staff change the URL or the operator the policy.
    if (reason === 'egress_refused')
      throw new AppError('PROVIDER_REJECTED', `the collector is ${connectionFailureText[reason]}`);
    throw new AppError(
      'NETWORK_ERROR',
      reason === 'timed_out'
        ? `the collector did not answer within ${timeoutMs} ms`
        : `the collector could not be reached: ${connectionFailureText[reason]}`,
    );
  }
}

/**
 * Sends one event with `fetchImplementation`, the egress guard's fetch in the gateway (the
 * collector URL is the tenant's). Resolves on 2xx; throws a retryable AppError for 5xx, 429, timeouts and
 * network errors, and PROVIDER_REJECTED (not retried) for any other answer.
 */
export async function sendToCollector(
  fetchImplementation: typeof fetch,
  target: CollectorTarget,
  event: ForwardedEvent,
  timeoutMs = FORWARD_TIMEOUT_MS,
): Promise<void> {
  const response = await post(fetchImplementation, target, collectorRequest(event), timeoutMs);
  await response.body?.cancel();
  if (response.ok) return;
  if (response.status === 429 || response.status >= 500)
    throw new AppError('PROVIDER_UNAVAILABLE', `the collector answered ${response.status}`);
  throw new AppError('PROVIDER_REJECTED', `the collector refused the event with ${response.status}`);
}

/** The connection test: an empty view must be refused as invalid (400), not as unauthorized. */
export async function testCollector(
  fetchImplementation: typeof fetch,
  target: CollectorTarget,
): Promise<ConnectionCheck> {
  let response: Response;
  try {
    response = await post(
      fetchImplementation,
      target,
      { path: '/analytics/track/view', body: {} },
      FORWARD_TIMEOUT_MS,
    );
  } catch (error) {
    return { ok: false, detail: (error as AppError).message };
  }
  await response.body?.cancel();
  if (response.status === 400) return { ok: true, detail: 'the collector accepts the write key' };
  if (response.status === 401 || response.status === 403)
    return { ok: false, detail: 'the collector refuses the write key' };
  return { ok: false, detail: `the collector answered ${response.status} to an empty event, expected 400` };
}
