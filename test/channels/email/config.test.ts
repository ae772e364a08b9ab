import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareEmailConfig } from '../../../src/channels/email/config.ts';
import { checkPostmarkConnection, revealInboundWebhookUrl } from '../../../src/channels/email/setup.ts';
import {
  FAKE_SERVER_NAME,
  FAKE_SERVER_TOKEN,
  type FakePostmark,
  startFakePostmark,
} from '../../fakes/postmark-api.ts';
import { testEnvironment } from '../../support/environment.ts';

const entered = { server_token: FAKE_SERVER_TOKEN, from_email: 'Support <support@example.com>' };
const webhookUrl = 'https://gateway.example.com/webhook/email/bakery';

describe('email configuration', () => {
  it('generates an inbound user and a long random password when they are left empty', () => {
    const first = prepareEmailConfig(entered);
    const second = prepareEmailConfig(entered);
    expect(first.inbound_webhook_user).toMatch(/^postmark-[0-9a-f]{12}$/);
    expect(first.inbound_webhook_password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second.inbound_webhook_password).not.toBe(first.inbound_webhook_password);
    expect(first).toMatchObject(entered);
  });

  it('keeps credentials staff chose', () => {
    const chosen = {
      ...entered,
      inbound_webhook_user: 'pm',
      inbound_webhook_password: 'a-long-password-0123',
    };
    expect(prepareEmailConfig(chosen)).toEqual(chosen);
  });

  it.each([
    ['a From that is no address', { from_email: 'support' }, 'from_email'],
    [
      'a user with a colon, which would break basic auth',
      { inbound_webhook_user: 'a:b' },
      'inbound_webhook_user',
    ],
    ['a short password', { inbound_webhook_password: 'short' }, 'inbound_webhook_password'],
    [
      'a password that would need URL encoding',
      { inbound_webhook_password: 'pass word/with@signs!' },
      'inbound_webhook_password',
    ],
    ['a token with spaces', { server_token: 'abc def' }, 'server_token'],
    ['a message stream with capitals', { message_stream: 'Outbound' }, 'message_stream'],
  ])('refuses %s, naming the field', (_name, change, field) => {
    expect(() => prepareEmailConfig({ ...entered, ...change })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', message: expect.stringContaining(field) }),
    );
  });
});

describe('the inbound URL shown once', () => {
  const config = prepareEmailConfig(entered);

  it('puts the credentials into the webhook URL on the first save', () => {
    const reveal = revealInboundWebhookUrl({ config, webhookUrl });
    const url = new URL(reveal!.inbound_webhook_url!);
    expect(url.username).toBe(config.inbound_webhook_user);
    expect(url.password).toBe(config.inbound_webhook_password);
    expect(`${url.origin}${url.pathname}`).toBe(webhookUrl);
  });

  it('shows nothing when a save leaves the credentials as they were', () => {
    expect(
      revealInboundWebhookUrl({
        config: { ...config, from_email: 'x@example.com' },
        previousConfig: config,
        webhookUrl,
      }),
    ).toBeUndefined();
  });

  it('shows the URL again when the password changed', () => {
    const changed = { ...config, inbound_webhook_password: 'another-password-0123' };
    expect(
      revealInboundWebhookUrl({ config: changed, previousConfig: config, webhookUrl })?.inbound_webhook_url,
    ).toContain(':another-password-0123@');
  });
});

describe('the connection test', () => {
  let postmark: FakePostmark;

  beforeAll(async () => {
    postmark = await startFakePostmark();
  });

  afterAll(async () => {
    await postmark.close();
  });

  const environment = () => testEnvironment({ postmarkApiUrl: postmark.url });

  it("asks Postmark for the token's server and names it", async () => {
    expect(await checkPostmarkConnection({ config: entered, environment: environment() })).toEqual({
      ok: true,
      detail: `Postmark server "${FAKE_SERVER_NAME}"`,
    });
    expect(postmark.calls.at(-1)).toMatchObject({ method: 'GET', path: '/server', token: FAKE_SERVER_TOKEN });
  });

  it('says what to do about a token Postmark rejects, without repeating it', async () => {
    const token = '99999999-9999-4999-8999-999999999999';
    const check = await checkPostmarkConnection({
      config: { ...entered, server_token: token },
      environment: environment(),
    });
    expect(check).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/does not accept the server token/),
    });
    expect(check.detail).not.toContain(token);
  });

  it('fails when Postmark cannot be reached', async () => {
    const check = await checkPostmarkConnection({ config: entered, environment: testEnvironment() });
    expect(check).toMatchObject({ ok: false, detail: expect.stringMatching(/could not reach Postmark/) });
  });

  it('reaches Postmark under a base URL with a path, as behind a proxy', async () => {
    // A path prefix in POSTMARK_API_URL must survive into every request the client makes.
    const server = createServer((request, response) => {
      if (!request.url?.startsWith('/postmark/')) {
        response.writeHead(404).end();
        return;
      }
      const forwarded = `${postmark.url}${(request.url ?? '').replace(/^\/postmark/, '')}`;
      fetch(forwarded, { headers: request.headers as Record<string, string> })
        .then(async (answer) => {
          response.writeHead(answer.status, { 'content-type': 'application/json' });
          response.end(await answer.text());
        })
        .catch(() => response.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const check = await checkPostmarkConnection({
        config: entered,
        environment: testEnvironment({ postmarkApiUrl: `http://127.0.0.1:${port}/postmark/` }),
      });
      expect(check.ok).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
