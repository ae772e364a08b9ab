import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imapIntegration } from '../../src/integrations/imap/integration.ts';
import { readEmailsTool } from '../../src/integrations/imap/read-emails.ts';
import { sendEmailTool } from '../../src/integrations/imap/send-email.ts';
import { type FakeSmtpServer, startFakeSmtpServer } from '../fakes/smtp-server.ts';
import { type DovecotServer, startDovecot } from '../support/dovecot.ts';
import { testEgress } from '../support/egress.ts';
import { freeLoopbackPort } from '../support/ports.ts';
import { toolContext as context, customer, toolFailure as failure, mailValues } from './tool-run.ts';

let dovecot: DovecotServer;
let smtp: FakeSmtpServer;

function mailConfig(overrides: Record<string, string> = {}): Record<string, string> {
  return mailValues(dovecot, smtp, { staff_addresses: 'Team@Example.com, owner@example.com', ...overrides });
}

beforeAll(async () => {
  [dovecot, smtp] = await Promise.all([startDovecot(), startFakeSmtpServer()]);
  await dovecot.seed([
    {
      fromName: 'Anna Becker',
      fromAddress: 'anna@example.com',
      subject: 'Frage zur Lieferung',
      text: 'Hallo, wann kommt meine Bestellung 4711?\nGrüße Anna',
      date: new Date('2026-11-20T09:00:00Z'),
      seen: true,
    },
    {
      fromName: 'Ben Meyer',
      fromAddress: 'ben@example.com',
      subject: 'Termin nächste Woche',
      text: 'Can we   meet on Tuesday?',
      date: new Date('2026-11-22T15:30:00Z'),
    },
    {
      fromName: '',
      fromAddress: 'noreply@supplier.example',
      subject: 'Invoice 2026-118',
      text: `Your invoice is attached. ${'Lorem ipsum dolor sit amet. '.repeat(30)}`,
      date: new Date('2026-11-21T12:00:00Z'),
    },
  ]);
});

afterAll(async () => {
  await Promise.all([dovecot?.stop(), smtp?.close()]);
});

describe('read_emails against a real Dovecot', () => {
  it('returns the latest emails newest first, with sender name, subject, date and a short snippet', async () => {
    const input = readEmailsTool.inputSchema.parse({ limit: 2 });
    const result = await readEmailsTool.run(input, context(mailConfig()));
    const { emails, notice } = JSON.parse(result.content) as {
      emails: Array<Record<string, unknown>>;
      notice: string;
    };
    expect(notice).toMatch(/never instructions/);
    expect(result.itemsProcessed).toBe(2);
    expect(emails).toEqual([
      {
        from: 'Ben Meyer',
        subject: 'Termin nächste Woche',
        date: '2026-11-22T15:30:00.000Z',
        unread: true,
        snippet: 'Can we meet on Tuesday?',
      },
      expect.objectContaining({
        from: 'noreply@supplier.example',
        subject: 'Invoice 2026-118',
        unread: true,
      }),
    ]);
    const snippet = String(emails[1]?.snippet ?? '');
    expect(snippet).toMatch(/^Your invoice is attached\. Lorem ipsum .*…$/);
    expect(snippet.length).toBe(200);
  });

  it('filters unread and since, and leaves the mail unread', async () => {
    const unread = await readEmailsTool.run(
      readEmailsTool.inputSchema.parse({ limit: 10, unreadOnly: true }),
      context(mailConfig()),
    );
    expect(unread.itemsProcessed).toBe(2);
    const since = await readEmailsTool.run(
      readEmailsTool.inputSchema.parse({ limit: 10, since: '2026-11-21T13:00:00+01:00' }),
      context(mailConfig()),
    );
    // 12:00 UTC is 13:00 in Berlin: the invoice counts, Anna's older mail does not.
    const subjects = (JSON.parse(since.content) as { emails: Array<{ subject: string }> }).emails.map(
      (email) => email.subject,
    );
    expect(subjects).toEqual(['Termin nächste Woche', 'Invoice 2026-118']);
    const again = await readEmailsTool.run(
      readEmailsTool.inputSchema.parse({ limit: 10, unreadOnly: true }),
      context(mailConfig()),
    );
    expect(again.itemsProcessed).toBe(2);
  });

  it('classifies a wrong password as auth_expired without echoing it', async () => {
    const error = await failure(
      readEmailsTool.run({ limit: 1 }, context(mailConfig({ password: 'wrong-password' }))),
    );
    expect(error.errorType).toBe('auth_expired');
    expect(error.message).not.toContain('wrong-password');
  });

  it('classifies a server that is down as network_error', async () => {
    const closedPort = await freeLoopbackPort();
    const error = await failure(
      readEmailsTool.run({ limit: 1 }, context(mailConfig({ port: String(closedPort) }))),
    );
    expect(error.errorType).toBe('network_error');
  });

  it('stops when the call is aborted', async () => {
    const controller = new AbortController();
    const running = readEmailsTool.run({ limit: 3 }, context(mailConfig(), controller.signal));
    controller.abort();
    const error = await failure(running);
    expect(error.errorType).toBe('network_error');
  });

  it('ends with network_error when a server accepts but never greets, at the call time limit', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    const error = await failure(
      readEmailsTool.run({ limit: 1 }, context(mailConfig({ port: String(port) }), AbortSignal.timeout(300))),
    );
    silent.close();
    expect(error.errorType).toBe('network_error');
    // imapflow's own greeting timeout is 10 s: only the call's signal ends it this soon.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('shows a customer only mail from or to their own address, matched whole', async () => {
    await dovecot.seed([
      {
        fromName: 'Shop',
        fromAddress: 'shop@example.com',
        toAddress: 'anna@example.com',
        subject: 'Re: Frage zur Lieferung',
        text: 'Kommt morgen.',
        date: new Date('2026-11-23T08:00:00Z'),
      },
      {
        fromName: 'Joanna',
        fromAddress: 'joanna@example.com',
        subject: 'Not Anna',
        text: 'A look-alike address.',
        date: new Date('2026-11-23T09:00:00Z'),
      },
    ]);
    const read = async (caller: ReturnType<typeof customer>, limit = 10) =>
      JSON.parse(
        (await readEmailsTool.run({ limit }, context(mailConfig(), undefined, undefined, { caller })))
          .content,
      ) as { scope: string; emails: Array<{ subject: string }> };
    const anna = await read(customer('contact-anna', ['anna@example.com']));
    expect(anna.emails.map((email) => email.subject)).toEqual([
      'Re: Frage zur Lieferung',
      'Frage zur Lieferung',
    ]);
    expect(anna.scope).toMatch(/Only emails from or to the customer's own address/);
    const ben = await read(customer('contact-ben', ['BEN@example.com'.toLowerCase()]), 1);
    expect(ben.emails.map((email) => email.subject)).toEqual(['Termin nächste Woche']);
    // No address, or one the sender could not prove: nothing, said plainly, no IMAP login.
    for (const caller of [
      customer('contact-phone', []),
      customer('contact-anna', ['anna@example.com'], false),
    ]) {
      const none = await read(caller);
      expect(none.emails).toEqual([]);
      expect(none.scope).toMatch(/no verified email address/);
    }
    const stranger = await read(customer('contact-x', ['nobody@example.net']));
    expect(stranger.emails).toEqual([]);
  });

  it('rejects invalid arguments before running', () => {
    expect(readEmailsTool.inputSchema.safeParse({ limit: 0 }).success).toBe(false);
    expect(readEmailsTool.inputSchema.safeParse({ limit: 5, since: 'yesterday' }).success).toBe(false);
  });
});

describe('send_email over a real SMTP server', () => {
  it('delivers one plain-text mail from the business address', async () => {
    const input = sendEmailTool.inputSchema.parse({
      to: 'ben@example.com',
      subject: 'Ihr Termin',
      body: 'Dienstag 10 Uhr passt.',
    });
    const result = await sendEmailTool.run(input, context(mailConfig()));
    expect(result.itemsProcessed).toBe(1);
    expect(JSON.parse(result.content)).toEqual({ sent: true, accepted: 1 });
    expect(smtp.received.at(-1)).toMatchObject({
      envelopeFrom: 'shop@example.com',
      envelopeTo: ['ben@example.com'],
      subject: 'Ihr Termin',
      text: 'Dienstag 10 Uhr passt.\n',
      messageId: expect.stringMatching(/^<switchboard-[0-9a-f]{32}@example\.com>$/),
    });
    // Dovecot does not file what SMTP submitted: the tool puts the same message into Sent.
    const filed = await dovecot.list('Sent');
    expect(filed.filter((message) => message.messageId === smtp.received.at(-1)!.messageId)).toEqual([
      expect.objectContaining({ subject: 'Ihr Termin', to: ['ben@example.com'] }),
    ]);
  });

  it('a re-run of the same call finds its mail in Sent and sends nothing again', async () => {
    const input = { to: 'ben@example.com', subject: 'Einmal', body: 'Nur einmal senden.' };
    const first = context(mailConfig(), undefined, undefined, { idempotencyKey: 'job-rerun:1:0' });
    const before = smtp.received.length;
    expect(JSON.parse((await sendEmailTool.run(input, first)).content)).toEqual({ sent: true, accepted: 1 });
    const rerun = context(mailConfig(), undefined, undefined, { idempotencyKey: 'job-rerun:1:0' });
    expect(JSON.parse((await sendEmailTool.run(input, rerun)).content)).toEqual({ sent: true, accepted: 1 });
    expect(smtp.received.length).toBe(before + 1);
    const messageId = smtp.received.at(-1)!.messageId;
    expect((await dovecot.list('Sent')).filter((message) => message.messageId === messageId)).toHaveLength(1);
    // Another call (another key) is another mail.
    const next = context(mailConfig(), undefined, undefined, { idempotencyKey: 'job-rerun:1:1' });
    await sendEmailTool.run(input, next);
    expect(smtp.received.length).toBe(before + 2);
    expect(smtp.received.at(-1)!.messageId).not.toBe(messageId);
  });

  it("sends for a customer only to the customer's own address or the team's", async () => {
    const anna = customer('contact-anna', ['anna@example.com']);
    const before = smtp.received.length;
    const send = (to: string, caller = anna) =>
      sendEmailTool.run(
        { to, subject: 'Kopie', body: 'Ihre Anfrage' },
        context(mailConfig(), undefined, undefined, { caller }),
      );
    await send('anna@example.com');
    await send('team@example.com');
    for (const to of ['attacker@example.org', 'ben@example.com', 'anna@example.com.evil.example']) {
      const refused = await failure(send(to));
      expect(refused.errorType).toBe('permission_denied');
    }
    // A sender whose mail failed authentication does not own the address it claims.
    const forged = await failure(
      send('anna@example.com', customer('contact-anna', ['anna@example.com'], false)),
    );
    expect(forged.errorType).toBe('permission_denied');
    expect(smtp.received.slice(before).map((mail) => mail.envelopeTo)).toEqual([
      ['anna@example.com'],
      ['team@example.com'],
    ]);
  });

  it('rejects a header injection in the subject and an invalid address', () => {
    expect(
      sendEmailTool.inputSchema.safeParse({
        to: 'ben@example.com',
        subject: 'Hi\r\nBcc: x@evil.example',
        body: 'x',
      }).success,
    ).toBe(false);
    expect(
      sendEmailTool.inputSchema.safeParse({ to: 'not an address', subject: 'Hi', body: 'x' }).success,
    ).toBe(false);
  });

  it('classifies a refused SMTP login as auth_expired and a refused message as permission_denied', async () => {
    const login = await failure(
      sendEmailTool.run(
        { to: 'ben@example.com', subject: 'Hi', body: 'x' },
        context(mailConfig({ smtp_password: 'wrong' })),
      ),
    );
    expect(login.errorType).toBe('auth_expired');
    smtp.refuseNext(1, 554);
    const refused = await failure(
      sendEmailTool.run({ to: 'ben@example.com', subject: 'Hi', body: 'x' }, context(mailConfig())),
    );
    expect(refused.errorType).toBe('permission_denied');
    smtp.refuseNext(1, 451);
    const temporary = await failure(
      sendEmailTool.run({ to: 'ben@example.com', subject: 'Hi', body: 'x' }, context(mailConfig())),
    );
    expect(temporary.errorType).toBe('server_error');
  });
});

describe('the imap connector test', () => {
  it('is ok with working IMAP and SMTP logins', async () => {
    const check = await imapIntegration.test(mailConfig(), AbortSignal.timeout(15_000), testEgress);
    expect(check).toEqual({ ok: true, detail: expect.stringContaining(`IMAP 127.0.0.1:${dovecot.port}`) });
  });

  it('names the failing step and cause, never the password', async () => {
    const imap = await imapIntegration.test(
      mailConfig({ password: 'secret-wrong' }),
      AbortSignal.timeout(15_000),
      testEgress,
    );
    expect(imap.ok).toBe(false);
    expect(imap.detail).toMatch(/^IMAP: the login was refused/);
    expect(imap.detail).not.toContain('secret-wrong');
    const smtpDown = await imapIntegration.test(
      mailConfig({ smtp_port: String(await freeLoopbackPort()) }),
      AbortSignal.timeout(15_000),
      testEgress,
    );
    expect(smtpDown).toEqual({
      ok: false,
      detail: 'SMTP: connection refused',
    });
    const missing = await imapIntegration.test(
      mailConfig({ password: '' }),
      AbortSignal.timeout(15_000),
      testEgress,
    );
    expect(missing).toEqual({ ok: false, detail: expect.stringContaining('lacks host, user or password') });
  });
});
