/**
 * A loopback fake of Meta's Graph API for the WhatsApp Cloud API, Messenger and Instagram:
 * a real HTTP server on 127.0.0.1 answering `/<version>/<path>` in Graph's wire format, so
 * the adapters (or a gateway process given `META_GRAPH_API_URL=fake.baseUrl`) talk to it
 * unchanged.
 *
 * It knows three accounts, each with its own token (Bearer header or `access_token` query):
 * a WhatsApp phone number, a Facebook Page, and an Instagram account reached through its
 * linked page. Endpoints:
 * - `POST /<phone number id>/messages`: WhatsApp text and template messages, and mark-as-read
 *   (`status: read`, optionally with `typing_indicator`).
 * - `POST /me/messages` or `/<page id>/messages`: the Send API (text with `messaging_type`
 *   RESPONSE / UPDATE / MESSAGE_TAG + `tag`, or a `sender_action`).
 * - `GET /<phone number id>`, `GET /me`, `GET /<instagram account id>`: identity.
 * - `POST|DELETE /<page id>/subscribed_apps`: the page's webhook subscription.
 * Errors are Graph's `{error: {message, type, code, error_subcode?, fbtrace_id}}`.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, writeJson } from './http.ts';

/** The WhatsApp fixtures' business number (`metadata.phone_number_id` 100000000000001). */
export const FAKE_WHATSAPP = {
  phoneNumberId: '100000000000001',
  displayPhoneNumber: '15550009999',
  verifiedName: 'Gateway Test Shop',
  accessToken: 'EAAfakeWhatsAppSystemUserToken0001',
} as const;

/** The Messenger fixtures' page (`entry[].id` 1000000000000001). */
export const FAKE_PAGE = {
  pageId: '1000000000000001',
  name: 'Gateway Test Page',
  accessToken: 'EAAfakeMessengerPageToken0001',
} as const;

/** The Instagram fixtures' account (`entry[].id` 17841400000000001) and the page it is linked to. */
export const FAKE_INSTAGRAM = {
  accountId: '17841400000000001',
  username: 'gateway_test_shop',
  pageId: '1000000000000002',
  pageName: 'Gateway Test Shop Page',
  accessToken: 'EAAfakeInstagramPageToken0001',
} as const;

/** The fixtures' app secrets (`signature_example.json`): Facebook app for WhatsApp and Messenger, Instagram app. */
export const FAKE_APP_SECRET = 'fake_meta_app_secret_0123456789ab';
export const FAKE_INSTAGRAM_APP_SECRET = 'fake_instagram_app_secret_cdef0123';

const LIMITS = { whatsapp: 4096, messenger: 2000 } as const;
const INSTAGRAM_MAX_BYTES = 1000;

type Channel = 'whatsapp' | 'messenger' | 'instagram';

/** One request the fake received, recorded before it is answered (also when it fails). */
export interface FakeGraphCall {
  method: string;
  version: string;
  /** The path below the version, with a leading slash: `/100000000000001/messages`. */
  path: string;
  token: string | undefined;
  query: Record<string, string>;
  body: Record<string, unknown>;
}

/** A message the fake accepted, as its channel would deliver it. */
export interface FakeGraphMessage {
  channel: Channel;
  /** The phone number, page or Instagram account it was sent from. */
  from: string;
  /** The recipient: a WhatsApp id, a page-scoped or Instagram-scoped id. */
  to: string;
  id: string;
  /** `text` or `template` (WhatsApp). */
  type: string;
  text?: string;
  template?: { name: string; language: string };
  /** Send API only: RESPONSE, UPDATE or MESSAGE_TAG, and the tag. */
  messagingType?: string;
  tag?: string;
}

/** A scripted answer for one future call of a path. */
export interface ScriptedGraphFailure {
  /** HTTP status, e.g. 429, 500, 400. `0` destroys the connection without an answer. */
  status: number;
  /** The JSON body; defaults to a Graph error fitting the status. */
  body?: unknown;
  /** Extra response headers, e.g. `{ 'retry-after': '1' }`. */
  headers?: Record<string, string>;
  /** Wait this long before answering, e.g. to exceed a client timeout. */
  delayMs?: number;
}

/** A running fake; see the module comment. */
export interface FakeMetaGraph {
  /** Pass as the environment's `metaGraphApiUrl` or the gateway's `META_GRAPH_API_URL`. */
  baseUrl: string;
  /** Every call received, in order. */
  calls: FakeGraphCall[];
  /** Messages accepted, in order. */
  sent(): FakeGraphMessage[];
  /** WhatsApp messages marked as read, in order, and whether a typing indicator came with them. */
  reads(): Array<{ messageId: string; typing: boolean }>;
  /** Send API sender actions (`mark_seen`, `typing_on`), in order. */
  senderActions(): Array<{ to: string; action: string }>;
  /** Pages whose app subscription is active, with the subscribed fields. */
  subscriptions(): Map<string, string>;
  /**
   * Queues scripted answers: the next calls of `path` (below the version, e.g. `/me/messages`)
   * get these, one each. With `when`, only calls whose body it accepts do (WhatsApp sends and
   * mark-as-read share one path).
   */
  fail(
    path: string,
    responses: ScriptedGraphFailure[],
    when?: (body: Record<string, unknown>) => boolean,
  ): void;
  /** Stops the server, dropping open connections and pending answers. */
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

interface Account {
  channel: Channel;
  /** Node ids this token may read or post to; the first is what `me` means. */
  nodes: string[];
}

const ACCOUNTS: Record<string, Account> = {
  [FAKE_WHATSAPP.accessToken]: { channel: 'whatsapp', nodes: [FAKE_WHATSAPP.phoneNumberId] },
  [FAKE_PAGE.accessToken]: { channel: 'messenger', nodes: [FAKE_PAGE.pageId] },
  [FAKE_INSTAGRAM.accessToken]: {
    channel: 'instagram',
    nodes: [FAKE_INSTAGRAM.pageId, FAKE_INSTAGRAM.accountId],
  },
};

/** Starts a fake Graph API on a free loopback port. */
export async function startFakeMetaGraph(): Promise<FakeMetaGraph> {
  const calls: FakeGraphCall[] = [];
  const sentMessages: FakeGraphMessage[] = [];
  const readReceipts: Array<{ messageId: string; typing: boolean }> = [];
  const actions: Array<{ to: string; action: string }> = [];
  const subscribed = new Map<string, string>();
  const scripted = new Map<
    string,
    Array<ScriptedGraphFailure & { when?: (body: Record<string, unknown>) => boolean }>
  >();
  const pendingTimers = new Set<NodeJS.Timeout>();
  let nextId = 1;

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        resolve();
      }, ms);
      pendingTimers.add(timer);
    });

  /** Runs a call against the fake's state; the answer Graph would give. */
  function perform(call: FakeGraphCall, account: Account): Answer {
    const segments = call.path.split('/').filter(Boolean);
    const node = segments[0] === 'me' ? account.nodes[0]! : segments[0];
    const edge = segments[1];
    if (node === undefined || !account.nodes.includes(node) || segments.length > 2) {
      return graphFailure(
        400,
        100,
        `Unsupported ${call.method.toLowerCase()} request. Object with ID '${segments[0] ?? ''}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      );
    }
    if (call.method === 'GET' && edge === undefined) return { status: 200, body: identity(node) };
    if (call.method === 'POST' && edge === 'messages') {
      return account.channel === 'whatsapp'
        ? whatsappMessage(node, call.body)
        : sendApi(account, node, call.body);
    }
    if (edge === 'subscribed_apps' && account.channel === 'messenger') {
      if (call.method === 'POST') {
        const fields = call.body.subscribed_fields ?? call.query.subscribed_fields;
        if (typeof fields !== 'string' || fields === '') {
          return graphFailure(400, 100, '(#100) The parameter subscribed_fields is required');
        }
        subscribed.set(node, fields);
        return { status: 200, body: { success: true } };
      }
      if (call.method === 'DELETE') {
        subscribed.delete(node);
        return { status: 200, body: { success: true } };
      }
    }
    return graphFailure(400, 100, `Unknown path components: /${edge ?? ''}`);
  }

  function identity(node: string): Record<string, unknown> {
    if (node === FAKE_WHATSAPP.phoneNumberId) {
      return {
        id: node,
        display_phone_number: FAKE_WHATSAPP.displayPhoneNumber,
        verified_name: FAKE_WHATSAPP.verifiedName,
        quality_rating: 'GREEN',
      };
    }
    if (node === FAKE_INSTAGRAM.accountId) return { id: node, username: FAKE_INSTAGRAM.username };
    if (node === FAKE_INSTAGRAM.pageId) return { id: node, name: FAKE_INSTAGRAM.pageName };
    return { id: node, name: FAKE_PAGE.name };
  }

  function whatsappMessage(from: string, body: Record<string, unknown>): Answer {
    if (body.messaging_product !== 'whatsapp') {
      return graphFailure(400, 100, '(#100) The parameter messaging_product is required.');
    }
    if (body.status === 'read') {
      if (typeof body.message_id !== 'string')
        return graphFailure(400, 100, '(#100) Invalid parameter: message_id');
      readReceipts.push({ messageId: body.message_id, typing: body.typing_indicator !== undefined });
      return { status: 200, body: { success: true } };
    }
    const to = body.to;
    if (typeof to !== 'string' || to === '')
      return graphFailure(400, 100, '(#100) The parameter to is required.');
    const id = `wamid.FAKE${String(nextId++).padStart(8, '0')}`;
    if (body.type === 'text') {
      const text = (body.text as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string' || text.trim() === '') {
        return graphFailure(400, 100, "(#100) The parameter text['body'] is required.");
      }
      if (text.length > LIMITS.whatsapp) {
        return graphFailure(400, 100, "(#100) Param text['body'] must be at most 4096 characters long.");
      }
      sentMessages.push({ channel: 'whatsapp', from, to, id, type: 'text', text });
    } else if (body.type === 'template') {
      const template = body.template as { name?: unknown; language?: { code?: unknown } } | undefined;
      if (typeof template?.name !== 'string' || typeof template.language?.code !== 'string') {
        return graphFailure(
          400,
          100,
          '(#100) The parameter template[name] and template[language] are required.',
        );
      }
      sentMessages.push({
        channel: 'whatsapp',
        from,
        to,
        id,
        type: 'template',
        template: { name: template.name, language: template.language.code },
      });
    } else {
      return graphFailure(400, 100, `(#100) Param type "${String(body.type)}" is not supported by the fake`);
    }
    return {
      status: 200,
      body: { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id }] },
    };
  }

  function sendApi(account: Account, page: string, body: Record<string, unknown>): Answer {
    const to = (body.recipient as { id?: unknown } | undefined)?.id;
    if (typeof to !== 'string' || to === '')
      return graphFailure(400, 100, '(#100) The parameter recipient is required');
    if (typeof body.sender_action === 'string') {
      actions.push({ to, action: body.sender_action });
      return { status: 200, body: { recipient_id: to } };
    }
    const messagingType = body.messaging_type;
    if (messagingType !== 'RESPONSE' && messagingType !== 'UPDATE' && messagingType !== 'MESSAGE_TAG') {
      return graphFailure(
        400,
        100,
        '(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}',
      );
    }
    if (messagingType === 'MESSAGE_TAG' && typeof body.tag !== 'string') {
      return graphFailure(400, 100, '(#100) Tag is required for MESSAGE_TAG messaging type');
    }
    const text = (body.message as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || text.trim() === '') {
      return graphFailure(400, 100, '(#100) param message must be non-empty.');
    }
    if (account.channel === 'messenger' && text.length > LIMITS.messenger) {
      return graphFailure(
        400,
        100,
        '(#100) Length of param message[text] must be less than or equal to 2000',
      );
    }
    if (account.channel === 'instagram' && Buffer.byteLength(text, 'utf8') > INSTAGRAM_MAX_BYTES) {
      return graphFailure(
        400,
        100,
        '(#100) Length of param message[text] must be less than or equal to 1000 bytes',
      );
    }
    const number = String(nextId++).padStart(8, '0');
    const id = account.channel === 'instagram' ? `aWdfFAKE${number}` : `m_FAKE${number}`;
    const from = account.channel === 'instagram' ? FAKE_INSTAGRAM.accountId : page;
    sentMessages.push({
      channel: account.channel,
      from,
      to,
      id,
      type: 'text',
      text,
      messagingType,
      ...(typeof body.tag === 'string' ? { tag: body.tag } : {}),
    });
    return { status: 200, body: { recipient_id: to, message_id: id } };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake-graph');
    const match = /^\/(v\d+\.\d+)(\/.*)$/.exec(url.pathname);
    if (match === null) return writeJson(response, graphFailure(400, 2500, 'Unknown path components'));
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(request);
    const body = decodeBody(raw);
    if (body === undefined) return writeJson(response, graphFailure(400, 100, 'Invalid JSON for postcard'));
    const authorization = request.headers.authorization;
    const token = authorization?.startsWith('Bearer ')
      ? authorization.slice('Bearer '.length)
      : query.access_token;
    const call: FakeGraphCall = {
      method: request.method ?? 'GET',
      version: match[1]!,
      path: match[2]!,
      token,
      query,
      body,
    };
    calls.push(call);

    const account = token === undefined ? undefined : ACCOUNTS[token];
    if (account === undefined) {
      return writeJson(
        response,
        graphFailure(401, 190, 'Invalid OAuth access token - Cannot parse access token'),
      );
    }
    const queue = scripted.get(call.path) ?? [];
    const index = queue.findIndex((entry) => entry.when === undefined || entry.when(body));
    const next = index === -1 ? undefined : queue.splice(index, 1)[0];
    if (next !== undefined) {
      if (next.delayMs) await wait(next.delayMs);
      if (next.status === 0) {
        request.socket.destroy();
        return;
      }
      return writeJson(response, {
        status: next.status,
        body: next.body ?? defaultFailureBody(next.status),
        headers: next.headers,
      });
    }
    writeJson(response, perform(call, account));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      writeJson(response, graphFailure(500, 1, `An unknown error occurred in the fake: ${String(error)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls,
    sent: () => [...sentMessages],
    reads: () => [...readReceipts],
    senderActions: () => [...actions],
    subscriptions: () => new Map(subscribed),
    fail(path, responses, when) {
      scripted.set(path, [
        ...(scripted.get(path) ?? []),
        ...responses.map((response) => ({ ...response, when })),
      ]);
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

/** A Graph error answer. */
function graphFailure(status: number, code: number, message: string): Answer {
  return {
    status,
    body: { error: { message, type: 'OAuthException', code, fbtrace_id: 'AfakeTrace0001' } },
  };
}

/** What Graph sends for a status when a test scripts only the status. */
function defaultFailureBody(status: number): unknown {
  if (status === 429) return graphFailure(429, 4, '(#4) Application request limit reached').body;
  if (status >= 500) {
    const body = graphFailure(status, 2, 'Service temporarily unavailable').body as {
      error: Record<string, unknown>;
    };
    return { error: { ...body.error, is_transient: true } };
  }
  if (status === 401) return graphFailure(401, 190, 'Invalid OAuth access token').body;
  if (status === 403) return graphFailure(403, 10, '(#10) Permission denied').body;
  return graphFailure(status, 100, '(#100) Invalid parameter').body;
}

/** The adapters post JSON; undefined when a body does not parse to a JSON object. */
function decodeBody(raw: string): Record<string, unknown> | undefined {
  if (raw === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
