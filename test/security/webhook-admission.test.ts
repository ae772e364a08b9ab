import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailTenant, type EmailWorld, startEmailWorld } from '../channels/email/email-gateway.ts';
import { basicAuth, loadFixture } from '../channels/email/fixtures.ts';
import { rawExchange } from '../support/raw-http.ts';

const MIB = 1024 * 1024;

describe('webhook admission: what headers can settle is settled before the body is read', () => {
  let world: EmailWorld;
  let port: number;
  let mail: EmailTenant;
  let telegramSecret: string;
  let bare: string;

  beforeAll(async () => {
    world = await startEmailWorld();
    mail = await world.emailTenant('mail');
    telegramSecret = await world.gateway.configureTelegram(await world.gateway.createTenant('bot'));
    bare = (await world.gateway.createTenant('bare')).slug;
    await world.gateway.app.listen({ host: '127.0.0.1', port: 0 });
    port = (world.gateway.app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await world?.stop();
  });

  /** Sends only the head of a POST that announces `length` bytes of body, and waits for an answer. */
  const headOnly = (path: string, headers: Record<string, string>, length = 10 * MIB) =>
    rawExchange(
      port,
      [
        `POST ${path} HTTP/1.1`,
        'host: 127.0.0.1',
        `content-length: ${length}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ].join('\r\n'),
      { waitMs: 3_000 },
    );

  it.each([
    ['an unknown tenant', '/webhook/telegram/nobody', { 'content-type': 'application/json' }, 404],
    ['an unconfigured channel', '/webhook/telegram/bare', { 'content-type': 'application/json' }, 404],
    [
      'a wrong Telegram secret',
      '/webhook/telegram/bot',
      { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
      401,
    ],
    ['a missing Telegram secret', '/webhook/telegram/bot', { 'content-type': 'application/json' }, 401],
    [
      'wrong Postmark credentials',
      '/webhook/email/mail',
      { 'content-type': 'application/json', authorization: basicAuth('someone', 'guess') },
      401,
    ],
    ['a content type the provider never sends', '/webhook/email/mail', { 'content-type': 'text/plain' }, 415],
    ['an unknown channel', '/webhook/nope/mail', { 'content-type': 'application/json' }, 404],
  ])('answers %s before a byte of its 10 MiB body is sent', async (_name, path, headers, status) => {
    const exchange = await headOnly(path, headers);
    expect(exchange.status).toBe(status);
    expect(JSON.parse(exchange.body)).toHaveProperty('error');
  });

  it('answers an unknown tenant and a tenant without the channel alike, so slugs cannot be probed', async () => {
    const post = (slug: string) =>
      world.gateway.app.inject({
        method: 'POST',
        url: `/webhook/email/${slug}`,
        headers: { 'content-type': 'application/json', authorization: basicAuth('a', 'b') },
        payload: '{}',
      });
    const unknown = await post('no-such-tenant');
    const unconfigured = await post(bare);
    expect(unknown.statusCode).toBe(404);
    expect(unconfigured.statusCode).toBe(unknown.statusCode);
    expect(unconfigured.json()).toEqual(unknown.json());
    const handshake = (slug: string) =>
      world.gateway.app.inject({ method: 'GET', url: `/webhook/whatsapp/${slug}?hub.mode=subscribe` });
    const [unknownHandshake, unconfiguredHandshake] = [
      await handshake('no-such-tenant'),
      await handshake(bare),
    ];
    expect(unknownHandshake.statusCode).toBe(404);
    expect(unconfiguredHandshake.json()).toEqual(unknownHandshake.json());
  });

  it('refuses an authenticated Postmark body over the email limit from its Content-Length alone', async () => {
    const exchange = await headOnly(
      `/webhook/email/${mail.slug}`,
      { 'content-type': 'application/json', authorization: mail.authorization },
      37 * MIB,
    );
    expect(exchange.status).toBe(413);
  });

  it('still takes an authenticated Postmark email and a Telegram update', async () => {
    const email = await world.postEmail(mail.slug, loadFixture('inbound_plain'), mail.authorization);
    expect(email.statusCode).toBe(200);
    const update = await world.gateway.postUpdate(
      'bot',
      {
        update_id: 1,
        message: {
          message_id: 1,
          date: 1_767_268_800,
          chat: { id: 42, type: 'private' },
          from: { id: 42, is_bot: false, first_name: 'Ada' },
          text: 'Hallo',
        },
      },
      telegramSecret,
    );
    expect(update.statusCode).toBe(200);
  });
});
