import { readFileSync } from 'node:fs';
import type { ProviderEnvironment, WebhookRequest } from '../../../src/channels/types.ts';
import type { ConnectorValues } from '../../../src/core/connector.ts';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, FAKE_SMS_NUMBER } from '../../fakes/twilio-api.ts';
import { testEnvironment } from '../../support/environment.ts';

const fixturesDirectory = new URL('./fixtures/', import.meta.url);

/** A signed form case of `signature_example.json`: the URL Twilio called and the header it sent. */
export interface SignedCase {
  file: string;
  url: string;
  'X-Twilio-Signature': string;
}

/** The shared fixtures' signature examples, computed independently and cross-checked with twilio-node. */
export const signatureExample = JSON.parse(
  readFileSync(new URL('signature_example.json', fixturesDirectory), 'utf8'),
) as {
  authToken: string;
  formCases: SignedCase[];
  officialVectors: {
    authToken: string;
    formCase: { url: string; params: Record<string, string>; expectedSignature: string };
  };
  tamperedCase: SignedCase;
};

/** A fixture's raw form body, byte for byte (`inbound_text`, `status_callback_delivered`, …). */
export function fixtureBody(name: string): string {
  return readFileSync(new URL(`${name}.txt`, fixturesDirectory), 'utf8');
}

/** A form-encoded webhook request to `url`, with `X-Twilio-Signature` when a signature is given. */
export function formRequest(body: string, url: string, signature?: string | string[]): WebhookRequest {
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
    },
    rawBody: Buffer.from(body, 'utf8'),
    url,
  };
}

/** A shared fixture exactly as Twilio sent it: its bytes, its URL and its signature. */
export function signedFixtureRequest(name: string): WebhookRequest {
  const signed = signatureExample.formCases.find((entry) => entry.file === `twilio-sms/${name}.txt`);
  if (!signed) throw new Error(`no signature example for ${name}`);
  return formRequest(fixtureBody(name), signed.url, signed['X-Twilio-Signature']);
}

/** A complete configuration for the fixtures' account, with `overrides` applied. */
export function smsConfig(overrides: ConnectorValues = {}): ConnectorValues {
  return {
    account_sid: FAKE_ACCOUNT_SID,
    auth_token: FAKE_AUTH_TOKEN,
    sms_number: FAKE_SMS_NUMBER,
    ...overrides,
  };
}

/** Provider environment pointing Twilio calls at `baseUrl` (a fake, or a closed port). */
export function environmentFor(baseUrl: string): ProviderEnvironment {
  return testEnvironment({ twilioApiBaseUrl: baseUrl });
}
