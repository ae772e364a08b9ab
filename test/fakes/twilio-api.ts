/**
 * A loopback fake of the Twilio REST API (2010-04-01): a real HTTP server on 127.0.0.1 that
 * answers what the SMS channel calls, in Twilio's wire format, so the real `twilio` SDK (or
 * a gateway process given `TWILIO_API_BASE_URL=fake.baseUrl`) talks to it unchanged.
 *
 * Resources: `GET /Accounts/{sid}.json`, `POST /Accounts/{sid}/Messages.json`, the message list
 * `GET /Accounts/{sid}/Messages.json` (filtered by `To`, `From`, `DateSent`, `DateSent<` and
 * `DateSent>`; the fake sends every accepted message at once, so its DateSent is its creation),
 * `GET /Accounts/{sid}/IncomingPhoneNumbers.json?PhoneNumber=`, and
 * `GET|POST /Accounts/{sid}/IncomingPhoneNumbers/{PN…}.json`, all below `/2010-04-01`.
 * Requests need HTTP Basic auth with a known account SID and auth token (else 401, code
 * 20003); bodies are form-encoded; errors are `{code, message, more_info, status}`.
 *
 * It also plays Twilio's side of the webhooks: `statusCallback` builds the form post Twilio
 * would send to a message's StatusCallback, and `signTwilioRequest` signs a webhook the way
 * Twilio does (written here from the documented algorithm, independent of the SDK).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, writeJson } from './http.ts';

/** The account of the shared fixtures, and the auth token their signatures were made with. */
export const FAKE_ACCOUNT_SID = 'AC00000000000000000000000000000001';
export const FAKE_AUTH_TOKEN = 'd00dfeedd00dfeedd00dfeedd00dfeed';
/** The fixtures' Twilio number (their `To`) and Messaging Service. */
export const FAKE_SMS_NUMBER = '+15550009999';
export const FAKE_MESSAGING_SERVICE_SID = 'MG00000000000000000000000000000001';

const API_VERSION = '2010-04-01';
const MAX_BODY_LENGTH = 1600;

/** Which resource a scripted failure applies to. */
export type FakeTwilioResource = 'account' | 'messages' | 'message-list' | 'numbers';

/** One request the fake received, recorded before it is answered (also when it fails). */
export interface FakeTwilioCall {
  method: string;
  /** The path below the API version, e.g. `/Accounts/AC…/Messages.json`. */
  path: string;
  resource: FakeTwilioResource | undefined;
  /** The form body, or the query of a GET. */
  parameters: Record<string, string | string[]>;
  /** The account SID of the Basic auth header, if any. */
  username: string | undefined;
  /** The client's User-Agent (the SDK sends `twilio-node/<version> …`). */
  userAgent: string | undefined;
  /** When the request arrived, in epoch milliseconds. */
  receivedAt: number;
}

/** A message the fake accepted through the Messages API. */
export interface FakeTwilioMessage {
  sid: string;
  to: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string;
  statusCallback: string | undefined;
  /** When the fake accepted it (and, in the list, sent it). */
  createdAt: Date;
}

/** A phone number of the fake account, with the SMS webhook Twilio would call. */
export interface FakeTwilioNumber {
  sid: string;
  phoneNumber: string;
  smsUrl: string;
  smsMethod: string;
}

/** A scripted answer for one future call of a resource. */
export interface ScriptedTwilioFailure {
  /** HTTP status, e.g. 429, 500, 400. `0` destroys the connection without an answer. */
  status: number;
  /** Twilio's error code, e.g. 20429 or 21610; defaults to the status. */
  code?: number;
  message?: string;
  /** Seconds for a `Retry-After` header. */
  retryAfter?: number;
  /** Wait this long before answering, e.g. to exceed a client timeout. */
  delayMs?: number;
}

/** A running fake; see the module comment. */
export interface FakeTwilio {
  /** Pass as `TWILIO_API_BASE_URL`; no trailing slash. */
  baseUrl: string;
  /** Every call received, in order. */
  calls: FakeTwilioCall[];
  /** Messages accepted, in order. */
  sent(): FakeTwilioMessage[];
  /** The account's phone numbers as they are now (setup changes their webhooks). */
  numbers(): FakeTwilioNumber[];
  /** Queues scripted failures: the next calls of `resource` get these answers, one each, in order. */
  fail(resource: FakeTwilioResource, responses: ScriptedTwilioFailure[]): void;
  /**
   * Holds back every later answer for `resource` by `ms` (0 to stop). The call takes effect
   * at once and only its answer is late, as when Twilio accepted a message but answered slowly.
   */
  delay(resource: FakeTwilioResource, ms: number): void;
  /** Makes later sends to `phoneNumber` fail with 21610, as after the recipient texted STOP. */
  optOut(phoneNumber: string): void;
  /** Sets the account's status (`active`, `suspended`, `closed`). */
  setAccountStatus(status: string): void;
  /**
   * The form post Twilio sends to a message's StatusCallback when its status changes:
   * `url` is the StatusCallback the message was sent with, `body` the form body.
   */
  statusCallback(
    sid: string,
    status: string,
    options?: { errorCode?: number },
  ): { url: string; body: string };
  close(): Promise<void>;
}

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  friendlyName?: string;
  /** The account's phone numbers; default `[FAKE_SMS_NUMBER]`. */
  phoneNumbers?: string[];
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

/** Starts a fake Twilio REST API on a free loopback port. */
export async function startFakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = options.accountSid ?? FAKE_ACCOUNT_SID;
  const authToken = options.authToken ?? FAKE_AUTH_TOKEN;
  const friendlyName = options.friendlyName ?? 'Switchboard test account';
  let accountStatus = 'active';
  const calls: FakeTwilioCall[] = [];
  const sentMessages: FakeTwilioMessage[] = [];
  const optedOut = new Set<string>();
  const scripted = new Map<FakeTwilioResource, ScriptedTwilioFailure[]>();
  const delays = new Map<FakeTwilioResource, number>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  const numbers: FakeTwilioNumber[] = (options.phoneNumbers ?? [FAKE_SMS_NUMBER]).map(
    (phoneNumber, index) => ({
      sid: sidOf('PN', index + 1),
      phoneNumber,
      smsUrl: '',
      smsMethod: 'POST',
    }),
  );
  let messageCount = 0;

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        resolve();
      }, ms);
      pendingTimers.add(timer);
    });

  const accountPath = `/Accounts/${accountSid}`;

  function route(
    method: string,
    path: string,
  ): { resource: FakeTwilioResource; numberSid?: string } | undefined {
    if (method === 'GET' && path === `${accountPath}.json`) return { resource: 'account' };
    if (method === 'POST' && path === `${accountPath}/Messages.json`) return { resource: 'messages' };
    if (method === 'GET' && path === `${accountPath}/Messages.json`) return { resource: 'message-list' };
    if (method === 'GET' && path === `${accountPath}/IncomingPhoneNumbers.json`)
      return { resource: 'numbers' };
    const number = new RegExp(`^${accountPath}/IncomingPhoneNumbers/(PN[0-9a-f]{32})\\.json$`).exec(path);
    if (number && (method === 'GET' || method === 'POST'))
      return { resource: 'numbers', numberSid: number[1] };
    return undefined;
  }

  function perform(
    method: string,
    resource: FakeTwilioResource,
    numberSid: string | undefined,
    parameters: Record<string, string | string[]>,
  ): Answer {
    if (resource === 'account') return { status: 200, body: accountJson() };
    if (resource === 'messages') return createMessage(parameters);
    if (resource === 'message-list') return listMessages(parameters);
    if (numberSid === undefined) return listNumbers(parameters);
    const number = numbers.find((candidate) => candidate.sid === numberSid);
    if (!number)
      return failure(
        404,
        20404,
        `The requested resource ${accountPath}/IncomingPhoneNumbers/${numberSid}.json was not found`,
      );
    if (method === 'POST') {
      const smsUrl = first(parameters.SmsUrl);
      const smsMethod = first(parameters.SmsMethod);
      if (smsUrl !== undefined) number.smsUrl = smsUrl;
      if (smsMethod !== undefined) number.smsMethod = smsMethod;
    }
    return { status: 200, body: numberJson(number) };
  }

  function createMessage(parameters: Record<string, string | string[]>): Answer {
    const to = first(parameters.To);
    const from = first(parameters.From);
    const messagingServiceSid = first(parameters.MessagingServiceSid);
    const body = first(parameters.Body) ?? '';
    if (!to) return failure(400, 21604, "A 'To' phone number is required.");
    if (!from && !messagingServiceSid) return failure(400, 21603, "A 'From' phone number is required.");
    if (from && !numbers.some((number) => number.phoneNumber === from)) {
      return failure(
        400,
        21606,
        `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      );
    }
    if (body === '' && parameters.MediaUrl === undefined)
      return failure(400, 21602, 'Message body is required.');
    if (body.length > MAX_BODY_LENGTH) {
      return failure(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    if (optedOut.has(to)) return failure(400, 21610, 'Attempt to send to unsubscribed recipient');
    messageCount += 1;
    const message: FakeTwilioMessage = {
      sid: sidOf('SM', 0xf000 + messageCount),
      to,
      from,
      messagingServiceSid,
      body,
      statusCallback: first(parameters.StatusCallback),
      createdAt: new Date(),
    };
    sentMessages.push(message);
    return { status: 201, body: messageJson(message) };
  }

  /** The message list, newest first as Twilio lists it, in one page. */
  function listMessages(parameters: Record<string, string | string[]>): Answer {
    const to = first(parameters.To);
    const from = first(parameters.From);
    const on = dateParameter(parameters.DateSent);
    const before = dateParameter(parameters['DateSent<']);
    const after = dateParameter(parameters['DateSent>']);
    const matching = sentMessages
      .filter(
        (message) =>
          (to === undefined || message.to === to) &&
          (from === undefined || (message.from ?? FAKE_SMS_NUMBER) === from) &&
          (on === undefined ||
            message.createdAt.toISOString().slice(0, 10) === on.toISOString().slice(0, 10)) &&
          (before === undefined || message.createdAt <= before) &&
          (after === undefined || message.createdAt >= after),
      )
      .reverse();
    const pageSize = Number(first(parameters.PageSize) ?? '50');
    const uri = `/${API_VERSION}${accountPath}/Messages.json?PageSize=${pageSize}&Page=0`;
    return {
      status: 200,
      body: {
        messages: matching.slice(0, pageSize).map((message) => ({
          ...messageJson(message),
          // Listed after the fact: sent, from the number the service picked.
          status: 'sent',
          from: message.from ?? FAKE_SMS_NUMBER,
          date_sent: rfc2822(message.createdAt),
        })),
        end: Math.max(0, Math.min(matching.length, pageSize) - 1),
        first_page_uri: uri,
        next_page_uri: null,
        page: 0,
        page_size: pageSize,
        previous_page_uri: null,
        start: 0,
        uri,
      },
    };
  }

  function listNumbers(parameters: Record<string, string | string[]>): Answer {
    const wanted = first(parameters.PhoneNumber);
    const matching = numbers.filter((number) => wanted === undefined || number.phoneNumber === wanted);
    const pageSize = Number(first(parameters.PageSize) ?? '50');
    return {
      status: 200,
      body: {
        incoming_phone_numbers: matching.slice(0, pageSize).map(numberJson),
        end: Math.max(0, Math.min(matching.length, pageSize) - 1),
        first_page_uri: `/${API_VERSION}${accountPath}/IncomingPhoneNumbers.json?PageSize=${pageSize}&Page=0`,
        next_page_uri: null,
        page: 0,
        page_size: pageSize,
        previous_page_uri: null,
        start: 0,
        uri: `/${API_VERSION}${accountPath}/IncomingPhoneNumbers.json?PageSize=${pageSize}&Page=0`,
      },
    };
  }

  function accountJson() {
    return {
      auth_token: authToken,
      date_created: rfc2822(new Date(Date.UTC(2026, 0, 1))),
      date_updated: rfc2822(new Date(Date.UTC(2026, 0, 1))),
      friendly_name: friendlyName,
      owner_account_sid: accountSid,
      sid: accountSid,
      status: accountStatus,
      subresource_uris: {},
      type: 'Full',
      uri: `/${API_VERSION}${accountPath}.json`,
    };
  }

  function numberJson(number: FakeTwilioNumber) {
    return {
      account_sid: accountSid,
      api_version: API_VERSION,
      capabilities: { mms: true, sms: true, voice: true, fax: false },
      friendly_name: number.phoneNumber,
      phone_number: number.phoneNumber,
      sid: number.sid,
      sms_method: number.smsMethod,
      sms_url: number.smsUrl,
      status: 'in-use',
      uri: `/${API_VERSION}${accountPath}/IncomingPhoneNumbers/${number.sid}.json`,
    };
  }

  function messageJson(message: FakeTwilioMessage) {
    const now = rfc2822(message.createdAt);
    return {
      account_sid: accountSid,
      api_version: API_VERSION,
      body: message.body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: message.from ?? null,
      messaging_service_sid: message.messagingServiceSid ?? null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid: message.sid,
      // With a Messaging Service Twilio first accepts the message, then picks a sender.
      status: message.messagingServiceSid ? 'accepted' : 'queued',
      subresource_uris: { media: `/${API_VERSION}${accountPath}/Messages/${message.sid}/Media.json` },
      to: message.to,
      uri: `/${API_VERSION}${accountPath}/Messages/${message.sid}.json`,
    };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake-twilio');
    const method = request.method ?? 'GET';
    const raw = await readBody(request);
    const parameters = formParameters(method === 'GET' ? url.searchParams.toString() : raw);
    const prefix = `/${API_VERSION}`;
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    const credentials = basicCredentials(request.headers.authorization);
    const found = route(method, path);
    calls.push({
      method,
      path,
      resource: found?.resource,
      parameters,
      username: credentials?.username,
      userAgent: request.headers['user-agent'],
      receivedAt: Date.now(),
    });
    if (credentials?.username !== accountSid || credentials.password !== authToken) {
      return writeJson(response, failure(401, 20003, 'Authenticate'));
    }
    if (!found)
      return writeJson(response, failure(404, 20404, `The requested resource ${path} was not found`));

    const next = scripted.get(found.resource)?.shift();
    if (next !== undefined) {
      if (next.delayMs) await wait(next.delayMs);
      if (next.status === 0) {
        request.socket.destroy();
        return;
      }
      const answer = failure(next.status, next.code ?? next.status, next.message ?? statusText(next.status));
      if (next.retryAfter !== undefined) answer.headers = { 'retry-after': String(next.retryAfter) };
      return writeJson(response, answer);
    }
    const answer = perform(method, found.resource, found.numberSid, parameters);
    const delayMs = delays.get(found.resource);
    if (delayMs) await wait(delayMs);
    writeJson(response, answer);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      writeJson(response, failure(500, 20500, `fake failed: ${String(error)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls,
    sent: () => [...sentMessages],
    numbers: () => numbers.map((number) => ({ ...number })),
    fail(resource, responses) {
      scripted.set(resource, [...(scripted.get(resource) ?? []), ...responses]);
    },
    delay(resource, ms) {
      delays.set(resource, ms);
    },
    optOut(phoneNumber) {
      optedOut.add(phoneNumber);
    },
    setAccountStatus(status) {
      accountStatus = status;
    },
    statusCallback(sid, status, callbackOptions = {}) {
      const message = sentMessages.find((candidate) => candidate.sid === sid);
      if (!message?.statusCallback) throw new Error(`message ${sid} was not sent with a StatusCallback`);
      const form = new URLSearchParams({
        SmsSid: sid,
        SmsStatus: status,
        MessageStatus: status,
        To: message.to,
        ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
        MessageSid: sid,
        AccountSid: accountSid,
        From: message.from ?? FAKE_SMS_NUMBER,
        ApiVersion: API_VERSION,
        ...(callbackOptions.errorCode === undefined ? {} : { ErrorCode: String(callbackOptions.errorCode) }),
      });
      return { url: message.statusCallback, body: form.toString() };
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/**
 * `X-Twilio-Signature` for a form-encoded webhook: base64 of HMAC-SHA1 keyed with the auth
 * token over the full URL followed by every parameter's name and value, sorted by name
 * (a repeated name contributes each of its values, sorted).
 */
export function signTwilioRequest(authToken: string, url: string, formBody: string): string {
  const parameters = formParameters(formBody);
  let data = url;
  for (const name of Object.keys(parameters).sort()) {
    const value = parameters[name]!;
    for (const item of Array.isArray(value) ? [...new Set(value)].sort() : [value]) data += name + item;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** Twilio SIDs: two letters and 32 hex digits. */
function sidOf(prefix: string, index: number): string {
  return `${prefix}${index.toString(16).padStart(32, '0')}`;
}

function formParameters(raw: string): Record<string, string | string[]> {
  const parameters: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(raw)) {
    const earlier = parameters[name];
    if (earlier === undefined) parameters[name] = value;
    else parameters[name] = Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return parameters;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function failure(status: number, code: number, message: string): Answer {
  return {
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  };
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return texts[status] ?? 'Error';
}

function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** A date filter's value (`2026-12-01` or a full ISO time); undefined when absent or unreadable. */
function dateParameter(value: string | string[] | undefined): Date | undefined {
  const text = first(value);
  if (text === undefined) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
