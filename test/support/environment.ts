import type { ProviderEnvironment } from '../../src/channels/types.ts';

/** A port nothing listens on: a provider a test did not start refuses connections at once. */
const CLOSED = 'http://127.0.0.1:9';

/**
 * A provider environment for adapter tests: every provider API points at a closed port
 * unless the test passes the address of its loopback fake.
 */
export function testEnvironment(overrides: Partial<ProviderEnvironment> = {}): ProviderEnvironment {
  return {
    publicUrl: 'https://gateway.example.com',
    telegramApiRoot: CLOSED,
    metaGraphApiUrl: CLOSED,
    metaGraphApiVersion: 'v21.0',
    twilioApiBaseUrl: CLOSED,
    postmarkApiUrl: CLOSED,
    fetch: globalThis.fetch,
    ...overrides,
  };
}
