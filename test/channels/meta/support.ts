import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ProviderEnvironment, WebhookRequest } from '../../../src/channels/types.ts';
import { testEnvironment } from '../../support/environment.ts';

/** `X-Hub-Signature-256` for `body`, computed the way Meta does it. */
export function signatureFor(body: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** A webhook request carrying `body` byte for byte (an object is serialised first). */
export function metaRequest(body: unknown, headers: WebhookRequest['headers'] = {}): WebhookRequest {
  const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return {
    headers: { 'content-type': 'application/json', ...headers },
    rawBody,
    url: 'https://gateway.example.com/webhook/meta/acme',
  };
}

/** Recorded fixtures of one channel's test folder: raw bytes exactly as Meta signed them. */
export function fixturesIn(folder: URL) {
  const raw = (name: string): string => readFileSync(new URL(`${name}.json`, folder), 'utf8');
  return {
    raw,
    json: <T = Record<string, unknown>>(name: string): T => JSON.parse(raw(name)) as T,
    /** The fixture as a request; `signature` is its recorded `X-Hub-Signature-256` when given. */
    request: (name: string, signature?: string): WebhookRequest =>
      metaRequest(raw(name), signature === undefined ? {} : { 'x-hub-signature-256': signature }),
    /** The recorded signature of `<folder>/<name>.json` from the folder's `signature_example.json`. */
    recordedSignature(name: string): string {
      const example = JSON.parse(raw('signature_example')) as { files: Array<Record<string, string>> };
      const entry = example.files.find((file) => file.file?.endsWith(`/${name}.json`));
      if (entry === undefined) throw new Error(`no recorded signature for ${name}`);
      return entry['X-Hub-Signature-256']!;
    },
  };
}

/** Provider environment pointing Graph calls at `baseUrl` (a fake, or a closed port). */
export function graphEnvironment(baseUrl: string): ProviderEnvironment {
  return testEnvironment({ metaGraphApiUrl: baseUrl, metaGraphApiVersion: 'v21.0' });
}
