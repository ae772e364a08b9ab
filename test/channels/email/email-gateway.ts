/**
 * An in-process gateway wired to a fake Postmark (and, for system mail, a real SMTP server
 * on loopback): the harness the email pipeline and connector tests share.
 */
import type { LightMyRequestResponse } from 'fastify';
import { FAKE_SERVER_TOKEN, type FakePostmark, startFakePostmark } from '../../fakes/postmark-api.ts';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../../support/database.ts';
import { queueSettled, startTestGateway, type TestGateway, type TestTenant } from '../../support/gateway.ts';
import { basicAuth } from './fixtures.ts';

/** What a tenant's email channel looks like after its first save. */
export interface EmailTenant extends TestTenant {
  /** The URL the PUT response revealed, with the generated credentials in it. */
  inboundUrl: URL;
  /** `Authorization` as Postmark sends it for that URL. */
  authorization: string;
}

export interface EmailWorld {
  store: TestStore;
  postmark: FakePostmark;
  gateway: TestGateway;
  /** Creates a tenant and saves its email configuration; fails unless the save reveals the inbound URL. */
  emailTenant(slug: string, values?: Record<string, string>): Promise<EmailTenant>;
  /** Posts an inbound email body (an object is serialized, a Buffer sent as is) to the tenant's webhook. */
  postEmail(slug: string, body: unknown, authorization: string | undefined): Promise<LightMyRequestResponse>;
  settled(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Starts a fresh database, the fakes and a gateway pointed at them. */
export async function startEmailWorld(): Promise<EmailWorld> {
  const store = await createTestStore();
  // The harness always points Telegram somewhere; these tests never use it.
  const telegram: FakeTelegram = await startFakeTelegram();
  const postmark = await startFakePostmark();
  const gateway = await startTestGateway({
    store,
    telegram,
    environment: { POSTMARK_API_URL: postmark.url },
  });

  return {
    store,
    postmark,
    gateway,
    async emailTenant(
      slug,
      values = { server_token: FAKE_SERVER_TOKEN, from_email: 'Support <support@example.com>' },
    ) {
      const tenant = await gateway.createTenant(slug);
      const response = await gateway.request({
        method: 'PUT',
        url: '/admin/connector-hub/email/config',
        token: tenant.apiToken,
        payload: values,
      });
      const revealed = response.json<{ reveal?: { inbound_webhook_url?: string } }>().reveal
        ?.inbound_webhook_url;
      if (response.statusCode !== 200 || !revealed)
        throw new Error(`configuring email failed: ${response.body}`);
      const inboundUrl = new URL(revealed);
      const authorization = basicAuth(
        decodeURIComponent(inboundUrl.username),
        decodeURIComponent(inboundUrl.password),
      );
      return { ...tenant, inboundUrl, authorization };
    },
    postEmail(slug, body, authorization) {
      return gateway.app.inject({
        method: 'POST',
        url: `/webhook/email/${slug}`,
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        payload: Buffer.isBuffer(body) ? body : JSON.stringify(body),
      });
    },
    settled: () => queueSettled(store.db),
    async stop() {
      await gateway.close();
      await postmark.close();
      await telegram.close();
      await store.dispose();
    },
  };
}
