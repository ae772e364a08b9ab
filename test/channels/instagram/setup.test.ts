import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instagramAdapter } from '../../../src/channels/instagram/adapter.ts';
import { FAKE_INSTAGRAM, FAKE_PAGE, type FakeMetaGraph, startFakeMetaGraph } from '../../fakes/meta-graph.ts';
import { graphEnvironment } from '../meta/support.ts';
import { instagramConfig } from './fixtures.ts';

let fake: FakeMetaGraph;

beforeEach(async () => {
  fake = await startFakeMetaGraph();
});

afterEach(async () => {
  await fake.close();
});

const context = (config: Record<string, string> = instagramConfig) => ({
  config,
  environment: graphEnvironment(fake.baseUrl),
  tenantSlug: 'acme',
  webhookUrl: 'https://gateway.example.com/webhook/instagram/acme',
});

describe('Instagram setup and connection test', () => {
  it('learns the account’s username', async () => {
    expect(await instagramAdapter.setup!(context())).toEqual({
      values: { instagram_username: FAKE_INSTAGRAM.username },
    });
    expect(fake.calls[0]).toMatchObject({ method: 'GET', path: `/${FAKE_INSTAGRAM.accountId}` });
  });

  it('fails setup with the reason inbound cannot work when no app secret is set', async () => {
    const { app_secret: _omitted, ...withoutSecret } = instagramConfig;
    await expect(instagramAdapter.setup!(context(withoutSecret))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('app_secret is not set'),
    });
  });

  it('shows the username as the test result', async () => {
    expect(await instagramAdapter.test(context())).toEqual({
      ok: true,
      detail: `@${FAKE_INSTAGRAM.username}`,
    });
  });

  it('fails the test when the token does not reach the account', async () => {
    const check = await instagramAdapter.test(
      context({ ...instagramConfig, page_access_token: FAKE_PAGE.accessToken }),
    );
    expect(check).toMatchObject({ ok: false, detail: expect.stringContaining('does not exist') });
  });

  it('fails the test, saying why, when no app secret is set', async () => {
    const { app_secret: _omitted, ...withoutSecret } = instagramConfig;
    expect(await instagramAdapter.test(context(withoutSecret))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('app_secret is not set'),
    });
  });
});
