import { readFileSync } from 'node:fs';
import type { WebhookRequest } from '../../../src/channels/types.ts';

const fixturesDirectory = new URL('./fixtures/', import.meta.url);

/** The raw bytes of a recorded Postmark payload. */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(new URL(`${name}.json`, fixturesDirectory));
}

/** A fixture as parsed JSON, for tests that change one field of a real payload. */
export function loadFixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureBytes(name).toString('utf8')) as Record<string, unknown>;
}

/** A webhook request carrying `body` exactly as given (a string or Buffer is sent byte for byte). */
export function webhookRequest(body: unknown, headers: WebhookRequest['headers'] = {}): WebhookRequest {
  const rawBody = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return {
    headers: { 'content-type': 'application/json', ...headers },
    rawBody,
    url: 'https://gateway.example.com/webhook/email/acme',
  };
}

/** A webhook request carrying a recorded fixture's bytes unchanged. */
export function fixtureRequest(name: string, headers: WebhookRequest['headers'] = {}): WebhookRequest {
  return webhookRequest(fixtureBytes(name), headers);
}

/** `Authorization: Basic …` for the given credentials, as Postmark sends it. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
