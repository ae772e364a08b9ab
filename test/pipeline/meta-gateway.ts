/**
 * The world the Meta channels' end-to-end tests run in: the real gateway on a fresh database,
 * its Graph API calls pointed at a loopback fake, one tenant, and helpers to post signed
 * webhooks and read the transcript through the HTTP API.
 */
import { createHmac } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { ChannelAdapter } from '../../src/channels/types.ts';
import { enqueueReply, splitterFor } from '../../src/dispatcher/outbox.ts';
import { sqlOf } from '../../src/store/sql.ts';
import { type FakeMetaGraph, startFakeMetaGraph } from '../fakes/meta-graph.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { queueSettled, startTestGateway, type TestGateway, type TestTenant } from '../support/gateway.ts';

/** One transcript row as `GET /admin/conversations/:id/messages` shows it. */
export interface TranscriptItem {
  id: string;
  direction: 'inbound' | 'outbound';
  kind: string;
  text: string | null;
  status: string;
  error: string | null;
}

export interface MetaWorld {
  store: TestStore;
  graph: FakeMetaGraph;
  gateway: TestGateway;
  tenant: TestTenant;
  /** Saves a channel configuration through the connector hub; returns the masked view. */
  configure(channel: string, values: Record<string, string>): Promise<Record<string, unknown>>;
  /** Posts `body` (sent byte for byte) to the channel's webhook, signed with `appSecret` unless it is undefined. */
  post(
    channel: string,
    body: string,
    appSecret: string | undefined,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** The only conversation's transcript, oldest first, through the staff API. */
  transcript(): Promise<TranscriptItem[]>;
  /**
   * Records a reply in the only conversation the way the respond job does (or staff would,
   * with `author: 'staff'`), and waits until the worker has dealt with it.
   */
  reply(adapter: ChannelAdapter, text: string, key: string, author?: 'agent' | 'staff'): Promise<void>;
  /** Moves the customer's messages `hours` into the past, as if they had written then. */
  ageInbound(hours: number): Promise<void>;
  settled(): Promise<boolean>;
  close(): Promise<void>;
}

/** `X-Hub-Signature-256` of `body` with `appSecret`, as Meta computes it. */
export function metaSignature(body: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export async function startMetaWorld(): Promise<MetaWorld> {
  const store = await createTestStore();
  const graph = await startFakeMetaGraph();
  // The harness always wires a Telegram fake; these tests never use it.
  const telegram: FakeTelegram = await startFakeTelegram();
  const gateway = await startTestGateway({
    store,
    telegram,
    environment: { META_GRAPH_API_URL: graph.baseUrl, META_GRAPH_API_VERSION: 'v21.0' },
  });
  const tenant = await gateway.createTenant('shop', 'Test Shop');
  // These suites check one reply per delivered message, whatever the timing; the agent's
  // answering of a burst once has its own test (test/pipeline/agent-safety.test.ts).
  const answerEach = await gateway.request({
    method: 'PUT',
    url: '/admin/agent',
    token: tenant.apiToken,
    payload: { burstReplies: 'each' },
  });
  if (answerEach.statusCode !== 200) throw new Error(`saving agent settings failed: ${answerEach.body}`);
  const settled = () => queueSettled(store.db);

  async function onlyConversationId(): Promise<string> {
    const response = await gateway.request({
      method: 'GET',
      url: '/admin/conversations',
      token: tenant.apiToken,
    });
    const items = response.json<{ items: Array<{ id: string }> }>().items;
    if (items.length !== 1) throw new Error(`expected one conversation, found ${items.length}`);
    return items[0]!.id;
  }

  return {
    store,
    graph,
    gateway,
    tenant,
    async configure(channel, values) {
      const response = await gateway.request({
        method: 'PUT',
        url: `/admin/connector-hub/${channel}/config`,
        token: tenant.apiToken,
        payload: values,
      });
      if (response.statusCode !== 200) throw new Error(`configuring ${channel} failed: ${response.body}`);
      return response.json();
    },
    post(channel, body, appSecret, headers = {}) {
      return gateway.app.inject({
        method: 'POST',
        url: `/webhook/${channel}/${tenant.slug}`,
        headers: {
          'content-type': 'application/json',
          ...(appSecret === undefined ? {} : { 'x-hub-signature-256': metaSignature(body, appSecret) }),
          ...headers,
        },
        payload: body,
      });
    },
    async transcript() {
      const conversationId = await onlyConversationId();
      const response = await gateway.request({
        method: 'GET',
        url: `/admin/conversations/${conversationId}/messages?limit=200`,
        token: tenant.apiToken,
      });
      return response.json<{ items: TranscriptItem[] }>().items;
    },
    async reply(adapter, text, key, author = 'agent') {
      const conversationId = await onlyConversationId();
      await sqlOf(store.db).transaction((tx) =>
        enqueueReply(tx, {
          tenantId: tenant.id,
          conversationId,
          channel: adapter.id,
          text,
          idempotencyKey: key,
          author,
          split: splitterFor(adapter),
          maxAttempts: 4,
          nowMs: Date.now(),
        }),
      );
      gateway.app.worker?.wake();
      await settled();
    },
    async ageInbound(hours) {
      const inbound = await store.db.message.findMany({ where: { direction: 'inbound' } });
      for (const message of inbound) {
        await store.db.message.update({
          where: { id: message.id },
          data: { createdAt: new Date(message.createdAt.getTime() - hours * 60 * 60 * 1000) },
        });
      }
    },
    settled,
    async close() {
      await gateway.close();
      await graph.close();
      await telegram.close();
      await store.dispose();
    },
  };
}
