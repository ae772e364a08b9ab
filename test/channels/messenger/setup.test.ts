import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messengerAdapter } from '../../../src/channels/messenger/adapter.ts';
import { FAKE_INSTAGRAM, FAKE_PAGE, type FakeMetaGraph, startFakeMetaGraph } from '../../fakes/meta-graph.ts';
import { graphEnvironment } from '../meta/support.ts';
import { messengerConfig } from './fixtures.ts';

let fake: FakeMetaGraph;

beforeEach(async () => {
  fake = await startFakeMetaGraph();
});

afterEach(async () => {
  await fake.close();
});

const context = (config: Record<string, string> = messengerConfig) => ({
  config,
  environment: graphEnvironment(fake.baseUrl),
  tenantSlug: 'acme',
  webhookUrl: 'https://gateway.example.com/webhook/messenger/acme',
});

describe('Messenger setup', () => {
  it('checks the page, subscribes it to the app’s webhook and shows the page name', async () => {
    expect(await messengerAdapter.setup!(context())).toEqual({
      values: {
        page_name: FAKE_PAGE.name,
        subscribed_fields: 'messages,messaging_postbacks,message_deliveries,message_edits',
      },
    });
    expect(fake.subscriptions().get(FAKE_PAGE.pageId)).toContain('messages');
  });

  it('unsubscribes the page when the configuration is deleted', async () => {
    await messengerAdapter.setup!(context());
    await messengerAdapter.teardown!(context());
    expect(fake.subscriptions().has(FAKE_PAGE.pageId)).toBe(false);
  });

  it('fails with the reason inbound cannot work when no app secret is set, before calling Meta', async () => {
    const { app_secret: _omitted, ...withoutSecret } = messengerConfig;
    await expect(messengerAdapter.setup!(context(withoutSecret))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('app_secret is not set'),
    });
    expect(fake.calls).toEqual([]);
  });

  it('refuses a token of another page', async () => {
    await expect(
      messengerAdapter.setup!(context({ ...messengerConfig, page_access_token: FAKE_INSTAGRAM.accessToken })),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining(`not to page_id ${FAKE_PAGE.pageId}`),
    });
    expect(fake.subscriptions().size).toBe(0);
  });

  it('names the step that failed when the subscription is refused', async () => {
    fake.fail(`/${FAKE_PAGE.pageId}/subscribed_apps`, [
      {
        status: 403,
        body: { error: { message: '(#200) Requires pages_manage_metadata permission', code: 200 } },
      },
    ]);
    await expect(messengerAdapter.setup!(context())).rejects.toMatchObject({
      code: 'PROVIDER_REJECTED',
      message: expect.stringContaining("subscribing the page to the app's webhook failed"),
    });
  });
});

describe('Messenger connection test', () => {
  it('names the page the token belongs to', async () => {
    expect(await messengerAdapter.test(context())).toEqual({
      ok: true,
      detail: `page "${FAKE_PAGE.name}" (${FAKE_PAGE.pageId})`,
    });
  });

  it('fails, saying why, when the token works but no app secret is set', async () => {
    const { app_secret: _omitted, ...withoutSecret } = messengerConfig;
    expect(await messengerAdapter.test(context(withoutSecret))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('app_secret is not set'),
    });
  });

  it('fails when Meta refuses the token', async () => {
    expect(
      await messengerAdapter.test(context({ ...messengerConfig, page_access_token: 'EAAwrong' })),
    ).toMatchObject({
      ok: false,
      detail: expect.stringContaining('code 190'),
    });
  });
});
