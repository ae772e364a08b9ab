import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emailAdapter } from '../../src/channels/email/adapter.ts';
import { MAX_ATTACHMENT_BYTES } from '../../src/channels/email/content.ts';
import { enqueueReply, splitterFor } from '../../src/dispatcher/outbox.ts';
import { sqlOf } from '../../src/store/sql.ts';
import { type EmailTenant, type EmailWorld, startEmailWorld } from '../channels/email/email-gateway.ts';
import { basicAuth, fixtureBytes, loadFixture } from '../channels/email/fixtures.ts';
import { type FakeSmtpServer, smtpValues, startFakeSmtpServer } from '../fakes/smtp-server.ts';
import { eventually } from '../support/gateway.ts';

const ORIGINAL_SUBJECT = 'Question about my order #1042';

describe('Email through Postmark, end to end', () => {
  let world: EmailWorld;
  let tenant: EmailTenant;

  beforeEach(async () => {
    world = await startEmailWorld();
    tenant = await world.emailTenant('bakery');
  });

  afterEach(async () => {
    await world.stop();
  });

  const db = () => world.store.db;
  const post = (body: unknown) => world.postEmail(tenant.slug, body, tenant.authorization);

  /** The customer's answer to `outboundMessageId`, shaped like the recorded stripped reply. */
  function replyTo(
    outboundMessageId: string,
    changes: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const reply = loadFixture('inbound_reply_stripped');
    const headers = (reply.Headers as Array<{ Name: string; Value: string }>).map((header) => {
      if (header.Name === 'In-Reply-To') return { ...header, Value: outboundMessageId };
      if (header.Name === 'References')
        return { ...header, Value: `<CAFAKE0001@mail.example.net> ${outboundMessageId}` };
      return header;
    });
    return { ...reply, Headers: headers, ...changes };
  }

  /** Answers the recorded first email and returns the Message-ID our reply went out with. */
  async function firstExchange(): Promise<string> {
    expect((await post(fixtureBytes('inbound_plain'))).statusCode).toBe(200);
    await eventually(() => world.postmark.sent().length === 1);
    await world.settled();
    const outbound = await db().message.findFirstOrThrow({ where: { direction: 'outbound' } });
    return outbound.providerMessageId!;
  }

  it('answers an email once, to the sender, threaded with In-Reply-To, References and a Re: subject', async () => {
    const response = await post(fixtureBytes('inbound_plain'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ stored: 1, duplicates: 0 });
    const reply = await eventually(() => world.postmark.sent()[0]);
    expect(reply).toMatchObject({
      From: 'Support <support@example.com>',
      To: 'ada@example.net',
      Subject: `Re: ${ORIGINAL_SUBJECT}`,
      headers: {
        'In-Reply-To': '<CAFAKE0001@mail.example.net>',
        References: '<CAFAKE0001@mail.example.net>',
      },
    });
    expect(reply!.TextBody.trim()).not.toBe('');
    await world.settled();
    expect(world.postmark.sent()).toHaveLength(1);
    const outbound = await db().message.findFirstOrThrow({ where: { direction: 'outbound' } });
    expect(outbound).toMatchObject({ status: 'sent', providerMessageId: `<${reply!.MessageID}@mtasv.net>` });
  });

  it("files the customer's reply to our email in the same conversation and keeps the thread going", async () => {
    const ourMessageId = await firstExchange();
    const response = await post(replyTo(ourMessageId));
    expect(response.json()).toMatchObject({ stored: 1 });
    await eventually(() => world.postmark.sent().length === 2);
    await world.settled();

    expect(await db().conversation.count()).toBe(1);
    const stored = await db().message.findFirstOrThrow({
      where: { providerMessageId: '44ecb70e-46be-49b3-af89-c1d427e6f747' },
    });
    expect(stored.text).toBe('Great, thank you!');
    const second = world.postmark.sent()[1]!;
    expect(second.Subject).toBe(`Re: ${ORIGINAL_SUBJECT}`);
    expect(second.headers['In-Reply-To']).toBe('<CAFAKE0002@mail.example.net>');
    expect(second.headers.References).toBe(
      `<CAFAKE0001@mail.example.net> ${ourMessageId} <CAFAKE0002@mail.example.net>`,
    );
  });

  it('keeps a forged reply from another address out of the conversation it references, and stores failed SPF and DMARC as unverified', async () => {
    const ourMessageId = await firstExchange();
    const mallory = { Email: 'ada@example.net.mallory.example', Name: 'Ada', MailboxHash: '' };
    const forged = replyTo(ourMessageId, {
      FromFull: mallory,
      MessageID: 'd0000000-0000-4000-8000-000000000002',
    });
    const headers = (forged.Headers as Array<{ Name: string; Value: string }>).filter(
      (header) => header.Name !== 'Received-SPF',
    );
    forged.Headers = [
      {
        Name: 'Authentication-Results',
        Value:
          'mx.postmarkapp.com; spf=fail smtp.mailfrom=mallory.example; dkim=none; dmarc=fail header.from=example.net',
      },
      {
        Name: 'Received-SPF',
        Value: 'fail (mallory.example: not permitted) envelope-from="x@mallory.example"',
      },
      ...headers,
    ];
    expect((await post(forged)).json()).toMatchObject({ stored: 1 });
    await eventually(() => world.postmark.sent().length === 2);
    await world.settled();

    // The forged mail opened its own conversation: the agent saw none of Ada's transcript.
    expect(await db().conversation.count()).toBe(2);
    expect(world.postmark.sent()[1]!.To).toBe('ada@example.net.mallory.example');
    const stored = await db().message.findFirstOrThrow({
      where: { providerMessageId: 'd0000000-0000-4000-8000-000000000002' },
      include: { conversation: true },
    });
    expect(stored.senderVerified).toBe(false);
    expect(stored.conversation.externalChatId).toBe('ada@example.net.mallory.example');
    const first = await db().message.findFirstOrThrow({
      where: { direction: 'inbound', providerMessageId: { not: 'd0000000-0000-4000-8000-000000000002' } },
    });
    // The recorded first mail passed SPF for its own domain.
    expect(first.senderVerified).toBe(true);
  });

  it('stores and answers an email delivered three times, two of them concurrently, exactly once', async () => {
    const first = await post(fixtureBytes('inbound_plain'));
    const concurrent = await Promise.all([
      post(fixtureBytes('inbound_plain')),
      post(fixtureBytes('inbound_plain')),
    ]);
    expect([first, ...concurrent].map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(first.json()).toMatchObject({ stored: 1, duplicates: 0 });
    expect(concurrent.map((response) => response.json().duplicates)).toEqual([1, 1]);
    await eventually(() => world.postmark.sent().length === 1);
    await world.settled();
    expect(await db().message.count({ where: { direction: 'inbound' } })).toBe(1);
    expect(world.postmark.sent()).toHaveLength(1);
  });

  it('also dedupes a burst of concurrent first deliveries', async () => {
    const responses = await Promise.all([1, 2, 3].map(() => post(fixtureBytes('inbound_plain'))));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(responses.reduce((sum, response) => sum + response.json().stored, 0)).toBe(1);
    await world.settled();
    expect(world.postmark.sent()).toHaveLength(1);
  });

  it.each([
    ['missing', undefined],
    ['wrong', basicAuth('postmark-000000000000', 'a-wrong-password-000000')],
  ])('rejects %s basic auth with 401 and stores nothing', async (_name, authorization) => {
    const response = await world.postEmail(tenant.slug, fixtureBytes('inbound_plain'), authorization);
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('SIGNATURE_INVALID');
    expect(await db().message.count()).toBe(0);
    expect(await db().contact.count()).toBe(0);
    expect(await db().job.count()).toBe(0);
  });

  it("refuses one tenant's credentials on another tenant's webhook", async () => {
    const other = await world.emailTenant('florist');
    expect(
      (await world.postEmail(other.slug, fixtureBytes('inbound_plain'), tenant.authorization)).statusCode,
    ).toBe(401);
  });

  it.each([
    ['a body that is not JSON', Buffer.from('{"MessageID": '), 'body is not valid JSON'],
    [
      'a body without a sender',
      { ...loadFixture('inbound_plain'), FromFull: null, From: '' },
      'FromFull.Email',
    ],
  ])('answers %s with 400 naming the problem, and stores nothing', async (_name, body, expected) => {
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'MALFORMED_PAYLOAD',
      message: expect.stringContaining(expected),
    });
    expect(await db().message.count()).toBe(0);
  });

  it('acknowledges an automatic reply without storing or answering it', async () => {
    const response = await post(fixtureBytes('inbound_auto_reply'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ stored: 0 });
    await world.settled();
    expect(await db().message.count()).toBe(0);
    expect(world.postmark.sent()).toHaveLength(0);
  });

  it('stores attachments as media references, an oversize one flagged too large, never the bytes', async () => {
    const email = loadFixture('inbound_with_attachment');
    const oversize = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 7).toString('base64');
    email.Attachments = [
      ...(email.Attachments as object[]),
      { Name: 'scan.tiff', Content: oversize, ContentType: 'image/tiff', ContentLength: 12, ContentID: '' },
    ];
    expect((await post(email)).statusCode).toBe(200);
    const stored = await db().message.findFirstOrThrow({ where: { direction: 'inbound' } });
    expect(stored.kind).toBe('media');
    const media = (JSON.parse(stored.parts) as Array<{ type: string }>).filter(
      (part) => part.type === 'media',
    );
    expect(media).toEqual([
      expect.objectContaining({ fileName: 'return-form.csv', sizeBytes: 51 }),
      expect.objectContaining({ fileName: 'scan.tiff', sizeBytes: MAX_ATTACHMENT_BYTES + 1, tooLarge: true }),
    ]);
    expect(stored.parts.length).toBeLessThan(2_000);
    await world.settled();
  });

  it('delivers a 5,000-character reply whole and in order, as one email', async () => {
    await firstExchange();
    const text = Array.from({ length: 170 }, (_, index) => `Sentence ${index} of a long answer.`).join(' ');
    expect(text.length).toBeGreaterThanOrEqual(5_000);
    const conversation = await db().conversation.findFirstOrThrow();
    await sqlOf(db()).transaction((tx) =>
      enqueueReply(tx, {
        tenantId: tenant.id,
        conversationId: conversation.id,
        channel: 'email',
        text,
        idempotencyKey: 'long-reply',
        split: splitterFor(emailAdapter),
        maxAttempts: 4,
        nowMs: Date.now(),
      }),
    );
    world.gateway.app.worker?.wake();
    await world.settled();
    expect(world.postmark.sent()).toHaveLength(2);
    expect(world.postmark.sent()[1]!.TextBody).toBe(text);
  });

  it('honours Retry-After on 429, retries 5xx, and delivers once', async () => {
    world.postmark.fail('email', [{ status: 429, retryAfter: 1 }, { status: 500 }, { status: 503 }]);
    await post(fixtureBytes('inbound_plain'));
    const attempts = () => world.postmark.calls.filter((call) => call.path === '/email').length;
    await eventually(() => attempts() >= 1);
    const firstAttemptAt = Date.now();
    await eventually(() => attempts() >= 2, 5_000);
    expect(Date.now() - firstAttemptAt).toBeGreaterThanOrEqual(900);
    await eventually(() => world.postmark.sent().length === 1, 5_000);
    await world.settled();
    expect(attempts()).toBe(4);
    expect(await db().outboxMessage.findFirstOrThrow()).toMatchObject({ status: 'sent', attempts: 4 });
  });

  describe('with system mail configured', () => {
    let smtp: FakeSmtpServer;

    beforeEach(async () => {
      smtp = await startFakeSmtpServer();
      const saved = await world.gateway.request({
        method: 'PUT',
        url: '/admin/connector-hub/smtp/config',
        token: tenant.apiToken,
        payload: smtpValues(smtp, { notify_email: 'team@example.com' }),
      });
      expect(saved.statusCode, saved.body).toBe(200);
    });

    afterEach(async () => {
      await smtp.close();
    });

    it('tells staff by email when a reply is dead-lettered, without the reply or the customer’s text', async () => {
      world.postmark.fail('email', [{ status: 422, errorCode: 406, message: 'Recipient is inactive.' }]);
      await post(fixtureBytes('inbound_plain'));
      await eventually(() => smtp.received.length === 1);
      await world.settled();
      expect(await db().outboxMessage.findFirstOrThrow()).toMatchObject({ status: 'dead', attempts: 1 });
      const [notice] = smtp.received;
      expect(notice).toMatchObject({
        envelopeTo: ['team@example.com'],
        subject: '[Tenant bakery] A reply to Ada Test could not be delivered',
      });
      expect(notice!.text).toContain('Channel: email');
      expect(notice!.text).toContain('PROVIDER_REJECTED');
      expect(notice!.text).not.toContain('order #1042');
      const outbound = await db().message.findFirstOrThrow({ where: { direction: 'outbound' } });
      expect(notice!.text).not.toContain(outbound.text!.slice(0, 20));
    });
  });
});
