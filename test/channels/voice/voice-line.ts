/**
 * A gateway with a Twilio voice line for the voice tests: the real app on a real database,
 * listening on loopback, the Twilio REST fake for the SMS connector's setup, and a client
 * that plays Twilio's side: signed call webhooks and sockets opened with the signature
 * Twilio sends on the upgrade.
 */
import type { AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import WebSocket from 'ws';
import type { Tool } from '../../../src/integrations/types.ts';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/telegram-api.ts';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  type FakeTwilio,
  signTwilioRequest,
  startFakeTwilio,
} from '../../fakes/twilio-api.ts';
import { createTestStore } from '../../support/database.ts';
import {
  eventually,
  PUBLIC_URL,
  startTestGateway,
  type TestGateway,
  type TestTenant,
} from '../../support/gateway.ts';

export const CALLER = '+15550000001';
export const STAFF_NUMBER = '+15550004444';
export const SOCKET_BASE = PUBLIC_URL.replace(/^http/, 'ws');

type TestStore = Awaited<ReturnType<typeof createTestStore>>;

export interface VoiceLine {
  store: TestStore;
  gateway: TestGateway;
  twilio: FakeTwilio;
  tenant: TestTenant;
  /** `ws://127.0.0.1:<port>`, where the sockets really connect. */
  socketOrigin: string;
  /** Saves the voice connector (on top of the SMS connector, whose account it uses). */
  configureVoice(values?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** An SMS from `from` to the tenant's number, through the SMS webhook, as Twilio sends it. */
  receiveSms(sid: number, body: string, from?: string): Promise<LightMyRequestResponse>;
  /** Posts a signed form to a voice webhook path; `signature: null` sends none. */
  post(
    path: string,
    form: Record<string, string>,
    signature?: string | null,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startVoiceLine(
  environment: Record<string, string> = {},
  tools: Tool[] = [],
): Promise<VoiceLine> {
  const store = await createTestStore();
  const telegram: FakeTelegram = await startFakeTelegram();
  const twilio = await startFakeTwilio();
  const gateway = await startTestGateway({
    store,
    telegram,
    environment: { TWILIO_API_BASE_URL: twilio.baseUrl, ...environment },
    tools,
  });
  await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = gateway.app.server.address() as AddressInfo;
  const tenant = await gateway.createTenant('bakery', 'Bakery Schmidt');
  const sms = await gateway.request({
    method: 'PUT',
    url: '/admin/connector-hub/sms/config',
    token: tenant.apiToken,
    payload: { account_sid: FAKE_ACCOUNT_SID, auth_token: FAKE_AUTH_TOKEN, sms_number: FAKE_SMS_NUMBER },
  });
  if (sms.statusCode !== 200) throw new Error(`configuring sms failed: ${sms.body}`);
  const post: VoiceLine['post'] = (path, form, signature) => {
    const body = new URLSearchParams(form).toString();
    const signed =
      signature === undefined ? signTwilioRequest(FAKE_AUTH_TOKEN, `${PUBLIC_URL}${path}`, body) : signature;
    return gateway.app.inject({
      method: 'POST',
      url: path,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signed === null ? {} : { 'x-twilio-signature': signed }),
      },
      payload: body,
    });
  };
  return {
    store,
    gateway,
    twilio,
    tenant,
    socketOrigin: `ws://127.0.0.1:${port}`,
    configureVoice(values = {}) {
      return gateway.request({
        method: 'PUT',
        url: '/admin/connector-hub/voice/config',
        token: tenant.apiToken,
        payload: { voice_number: FAKE_SMS_NUMBER, greeting: 'Hello, Bakery Schmidt here.', ...values },
      });
    },
    receiveSms(sid, body, from = CALLER) {
      return post('/webhook/sms/bakery', {
        MessageSid: `SM${sid.toString(16).padStart(32, '0')}`,
        AccountSid: FAKE_ACCOUNT_SID,
        From: from,
        To: FAKE_SMS_NUMBER,
        Body: body,
        NumMedia: '0',
      });
    },
    post,
    async close() {
      await gateway.close();
      await twilio.close();
      await telegram.close();
      await store.dispose();
    },
  };
}

/** A CallSid of Twilio's shape. */
export function callSidOf(index: number): string {
  return `CA${index.toString(16).padStart(32, '0')}`;
}

/** The incoming-call form Twilio posts (shared fixture's fields), for this call and caller. */
export function incomingCallForm(callSid: string, from = CALLER): Record<string, string> {
  return {
    AccountSid: FAKE_ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: 'ringing',
    Called: FAKE_SMS_NUMBER,
    Caller: from,
    Direction: 'inbound',
    From: from,
    To: FAKE_SMS_NUMBER,
  };
}

/** The per-call value in a TwiML answer's `<Parameter name="callToken">`. */
export function callTokenOf(twiml: string): string {
  const match = /<Parameter name="callToken" value="([^"]+)"\/>/.exec(twiml);
  if (!match) throw new Error(`no callToken parameter in ${twiml}`);
  return match[1]!;
}

/** A socket as Twilio opens it, and what it received. */
export interface TwilioSocket {
  frames: Array<Record<string, unknown>>;
  send(frame: object): void;
  /** Resolves with the first frame `match` accepts, waiting as long as needed (up to the timeout). */
  waitFor(match: (frame: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/**
 * Opens `path` the way Twilio does: a WebSocket upgrade with `X-Twilio-Signature` over the
 * `wss://` URL and no parameters. Rejects with the HTTP status when the upgrade is refused.
 */
export function openTwilioSocket(
  line: Pick<VoiceLine, 'socketOrigin'>,
  path: string,
  signature: string | null = signTwilioRequest(FAKE_AUTH_TOKEN, `${SOCKET_BASE}${path}`, ''),
): Promise<TwilioSocket> {
  const socket = new WebSocket(`${line.socketOrigin}${path}`, {
    headers: signature === null ? {} : { 'x-twilio-signature': signature },
  });
  const frames: Array<Record<string, unknown>> = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
    socket.on('error', reject);
    socket.on('open', () =>
      resolve({
        frames,
        send: (frame) => socket.send(JSON.stringify(frame)),
        waitFor: (match, what) =>
          eventually(() => frames.find(match), 20_000, what) as Promise<Record<string, unknown>>,
        closed,
        close: () => socket.close(),
      }),
    );
  });
}
