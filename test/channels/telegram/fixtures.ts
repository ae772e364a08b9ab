import { readFileSync } from 'node:fs';
import type { ProviderEnvironment, WebhookRequest } from '../../../src/channels/types.ts';
import { testEnvironment } from '../../support/environment.ts';

const fixturesDirectory = new URL('./fixtures/', import.meta.url);

/** A fixture as parsed JSON, for tests that change one field of a real payload. */
export function loadFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, fixturesDirectory), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** A webhook request carrying `body` exactly as given (a string is sent byte for byte). */
export function webhookRequest(body: unknown, headers: WebhookRequest['headers'] = {}): WebhookRequest {
  const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return {
    headers: { 'content-type': 'application/json', ...headers },
    rawBody,
    url: 'https://gateway.example.com/webhook/telegram/acme',
  };
}

/** A webhook request carrying a recorded fixture's bytes unchanged. */
export function fixtureRequest(name: string, headers: WebhookRequest['headers'] = {}): WebhookRequest {
  return webhookRequest(readFileSync(new URL(`${name}.json`, fixturesDirectory), 'utf8'), headers);
}

/** Provider environment pointing Telegram calls at `apiRoot` (a fake, or a closed port). */
export function environmentFor(
  apiRoot: string,
  fetchFunction: typeof fetch = globalThis.fetch,
): ProviderEnvironment {
  return testEnvironment({ telegramApiRoot: apiRoot, fetch: fetchFunction });
}
