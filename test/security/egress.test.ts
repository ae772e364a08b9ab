/**
 * The egress guard end to end, client by client: a loopback listener sees no connection when
 * the policy refuses its address, and one when the policy allows it (as
 * SWITCHBOARD_EGRESS_ALLOW does for a local server). Only 127.0.0.1 is ever connected to;
 * refusals of other addresses are shown by the policy's own tests, never by trying.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { llmIntegration } from '../../src/agent/llm-connector.ts';
import { sendToCollector, testCollector } from '../../src/analytics/forwarding.ts';
import { createEgress, EgressRefused, parseEgressAllow } from '../../src/core/egress.ts';
import { AppError } from '../../src/core/errors.ts';
import { caldavIntegration } from '../../src/integrations/caldav/integration.ts';
import { readCalendarTool } from '../../src/integrations/caldav/read-calendar.ts';
import { imapIntegration } from '../../src/integrations/imap/integration.ts';
import { readEmailsTool } from '../../src/integrations/imap/read-emails.ts';
import { sendEmailTool } from '../../src/integrations/imap/send-email.ts';
import { readSmtpSettings } from '../../src/notifications/smtp-settings.ts';
import { checkSmtpConnection, sendSmtpMail } from '../../src/notifications/smtp-transport.ts';
import { toolContext, toolFailure } from '../integrations/tool-run.ts';
import {
  type CountingListener,
  httpListener as startHttpListener,
  tcpListener as startTcpListener,
} from '../support/counting-listeners.ts';

/** Nothing internal allowed: the policy every production gateway starts with. */
const refuseInternal = createEgress({ allow: [] });
/** Loopback allowed, as an operator allows a local server. */
const allowLoopback = createEgress({ allow: parseEgressAllow('127.0.0.1') });

const BANNER = 'HTTP/1.1 400 Bad Request internal-service-banner-7f3a';

const open: CountingListener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((listener) => listener.close()));
});

/** Listeners closed after each test. */
async function tcpListener(...behaviour: Parameters<typeof startTcpListener>) {
  const listener = await startTcpListener(...behaviour);
  open.push(listener);
  return listener;
}

async function httpListener(...handle: Parameters<typeof startHttpListener>) {
  const listener = await startHttpListener(...handle);
  open.push(listener);
  return listener;
}

describe('the egress fetch', () => {
  it('makes no connection to a refused address, and one to an allowed one', async () => {
    const server = await httpListener();
    const url = `http://127.0.0.1:${server.port}/`;
    await expect(refuseInternal.fetch(url)).rejects.toBeInstanceOf(EgressRefused);
    expect(server.connections).toBe(0);
    const response = await allowLoopback.fetch(url);
    expect(await response.text()).toBe('ok');
    expect(server.connections).toBe(1);
  });

  it('refuses a name that resolves to loopback, and connects to the checked address when allowed', async () => {
    const server = await httpListener();
    // `.invalid` never resolves in DNS: reaching the server proves the connection used the checked address.
    const resolve = async (host: string) => (host === 'collector.invalid' ? ['127.0.0.1'] : []);
    const url = `http://collector.invalid:${server.port}/events`;
    await expect(createEgress({ allow: [], resolve }).fetch(url)).rejects.toBeInstanceOf(EgressRefused);
    expect(server.connections).toBe(0);
    const allowed = createEgress({ allow: parseEgressAllow(`127.0.0.1:${server.port}`), resolve });
    expect((await allowed.fetch(url)).status).toBe(200);
    expect(server.hosts).toEqual([`collector.invalid:${server.port}`]);
    await allowed.close();
  });

  it('follows a redirect on the same host and refuses one to another host, which sees no connection', async () => {
    const elsewhere = await httpListener();
    const server = await httpListener((request, response) => {
      if (request.url === '/same') response.writeHead(302, { location: '/target' }).end();
      else if (request.url === '/away')
        response.writeHead(307, { location: `http://localhost:${elsewhere.port}/` }).end();
      else response.writeHead(200).end(request.url);
    });
    const same = await allowLoopback.fetch(`http://127.0.0.1:${server.port}/same`);
    expect(await same.text()).toBe('/target');
    await expect(
      allowLoopback.fetch(`http://127.0.0.1:${server.port}/away`, { method: 'POST', body: '{}' }),
    ).rejects.toThrow(/redirect from 127.0.0.1 to another host is refused/);
    expect(elsewhere.connections).toBe(0);
  });

  it('hands a redirect back untouched when the caller asks for manual redirects', async () => {
    const server = await httpListener((_request, response) =>
      response.writeHead(302, { location: 'http://localhost:1/' }).end(),
    );
    const response = await allowLoopback.fetch(`http://127.0.0.1:${server.port}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
  });
});

describe('IMAP through the guard', () => {
  const mailConfig = (port: number) => ({
    host: '127.0.0.1',
    port: String(port),
    tls: 'false',
    user: 'inbox@example.com',
    password: 'imap-password-for-tests',
    smtp_port: String(port),
    smtp_tls: 'none',
  });

  it('the connection test makes no connection to a refused address and says why', async () => {
    const server = await tcpListener();
    const check = await imapIntegration.test(
      mailConfig(server.port),
      AbortSignal.timeout(5_000),
      refuseInternal,
    );
    expect(check).toEqual({ ok: false, detail: 'IMAP: refused by the egress policy' });
    expect(server.connections).toBe(0);
  });

  it('the connection test connects to an allowed address', async () => {
    const server = await tcpListener();
    const check = await imapIntegration.test(
      mailConfig(server.port),
      AbortSignal.timeout(5_000),
      allowLoopback,
    );
    expect(check.ok).toBe(false);
    expect(check.detail).not.toMatch(/egress/);
    expect(server.connections).toBe(1);
  });

  it('read_emails and send_email fail as permission_denied without connecting', async () => {
    const server = await tcpListener();
    const context = { ...toolContext(mailConfig(server.port)), egress: refuseInternal };
    const read = await toolFailure(readEmailsTool.run({ limit: 5 }, context));
    expect(read).toMatchObject({
      errorType: 'permission_denied',
      message: 'IMAP: refused by the egress policy',
    });
    const sent = await toolFailure(
      sendEmailTool.run({ to: 'ben@example.com', subject: 'Hi', body: 'x' }, context),
    );
    // send_email looks in the Sent folder over IMAP before it submits, so IMAP is refused first.
    expect(sent).toMatchObject({
      errorType: 'permission_denied',
      message: 'IMAP: refused by the egress policy',
    });
    expect(server.connections).toBe(0);
  });
});

describe('classified reasons of a connection test', () => {
  it('names a host that does not resolve, without connecting anywhere', async () => {
    const unresolvable = createEgress({
      allow: [],
      resolve: async (host) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
    });
    const check = await checkSmtpConnection(
      { host: 'smtp.nowhere.invalid', port: '587', security: 'starttls', from: 'alerts@example.com' },
      unresolvable,
    );
    expect(check).toEqual({
      ok: false,
      detail: 'SMTP smtp.nowhere.invalid:587: the host name could not be resolved',
    });
  });

  it('says timed out when the server accepts and never speaks', async () => {
    const silent = await tcpListener('silent');
    const check = await imapIntegration.test(
      { host: '127.0.0.1', port: String(silent.port), tls: 'false', user: 'u@example.com', password: 'p' },
      AbortSignal.timeout(300),
      allowLoopback,
    );
    expect(check).toEqual({ ok: false, detail: 'IMAP: timed out' });
    expect(silent.connections).toBe(1);
  });
});

describe('SMTP system mail through the guard', () => {
  const smtpConfig = (port: number) => ({
    host: '127.0.0.1',
    port: String(port),
    security: 'none',
    from: 'alerts@example.com',
  });

  it('makes no connection to a refused address and says why', async () => {
    const server = await tcpListener({ banner: BANNER });
    expect(await checkSmtpConnection(smtpConfig(server.port), refuseInternal)).toEqual({
      ok: false,
      detail: `SMTP 127.0.0.1:${server.port}: refused by the egress policy`,
    });
    const settings = readSmtpSettings({ ...smtpConfig(server.port), notify_email: 'staff@example.com' });
    const sending = sendSmtpMail(
      settings,
      { to: settings.notifyEmails, subject: 's', text: 't' },
      refuseInternal,
    );
    await expect(sending).rejects.toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
    expect(server.connections).toBe(0);
  });

  it('connects to an allowed address and reports a classified reason, never the banner of what answered', async () => {
    const server = await tcpListener({ banner: BANNER });
    const check = await checkSmtpConnection(smtpConfig(server.port), allowLoopback);
    expect(server.connections).toBe(1);
    expect(check).toEqual({
      ok: false,
      detail: `SMTP 127.0.0.1:${server.port}: the server did not answer as expected`,
    });
    expect(check.detail).not.toContain('banner');
  });
});

describe('CalDAV through the guard', () => {
  const calendarConfig = (port: number) => ({
    server_url: `http://127.0.0.1:${port}/`,
    user: 'ada',
    password: 'calendar-password-for-tests',
  });

  it('makes no connection to a refused address and says why', async () => {
    const server = await httpListener();
    const check = await caldavIntegration.test(
      calendarConfig(server.port),
      AbortSignal.timeout(5_000),
      refuseInternal,
    );
    expect(check).toEqual({ ok: false, detail: 'CalDAV: refused by the egress policy' });
    const read = await toolFailure(
      readCalendarTool.run(
        { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
        { ...toolContext(calendarConfig(server.port)), egress: refuseInternal },
      ),
    );
    expect(read.errorType).toBe('permission_denied');
    expect(server.connections).toBe(0);
  });

  it('connects to an allowed address, and refuses discovery redirects to another host', async () => {
    const elsewhere = await httpListener();
    const server = await httpListener((_request, response) =>
      response.writeHead(301, { location: `http://localhost:${elsewhere.port}/dav/` }).end(),
    );
    const check = await caldavIntegration.test(
      calendarConfig(server.port),
      AbortSignal.timeout(5_000),
      allowLoopback,
    );
    expect(server.connections).toBeGreaterThanOrEqual(1);
    expect(check).toEqual({ ok: false, detail: 'CalDAV: refused by the egress policy' });
    expect(elsewhere.connections).toBe(0);
  });
});

describe('analytics forwarding through the guard', () => {
  const target = (port: number) => ({ baseUrl: `http://127.0.0.1:${port}`, writeKey: 'wk_test' });
  const event = { id: 'e1', name: 'tool_called', properties: '{}', occurredAt: new Date(0) };

  it('makes no connection to a refused collector, and does not retry the refusal', async () => {
    const server = await httpListener();
    expect(await testCollector(refuseInternal.fetch, target(server.port))).toEqual({
      ok: false,
      detail: 'the collector is refused by the egress policy',
    });
    const sending = sendToCollector(refuseInternal.fetch, target(server.port), event);
    await expect(sending).rejects.toMatchObject({ code: 'PROVIDER_REJECTED', retryable: false });
    await expect(sending).rejects.toBeInstanceOf(AppError);
    expect(server.connections).toBe(0);
  });

  it('connects to an allowed collector and refuses its redirect to another host', async () => {
    const elsewhere = await httpListener();
    const server = await httpListener((_request, response) =>
      response.writeHead(307, { location: `http://localhost:${elsewhere.port}/analytics/track/view` }).end(),
    );
    const check = await testCollector(allowLoopback.fetch, target(server.port));
    expect(server.connections).toBe(1);
    expect(check).toEqual({ ok: false, detail: 'the collector is refused by the egress policy' });
    expect(elsewhere.connections).toBe(0);
  });
});

describe('the language model connection test through the guard', () => {
  const llmConfig = (port: number) => ({
    api_key: 'sk-test',
    base_url: `http://127.0.0.1:${port}/v1`,
    model: 'fake-model',
  });

  it('makes no connection to a refused base URL and says why', async () => {
    const server = await httpListener();
    expect(
      await llmIntegration.test(llmConfig(server.port), AbortSignal.timeout(5_000), refuseInternal),
    ).toEqual({
      ok: false,
      detail: 'the server could not be reached: refused by the egress policy',
    });
    expect(server.connections).toBe(0);
  });

  it('connects to an allowed base URL and does not report the status it got', async () => {
    const server = await httpListener((_request, response) => response.writeHead(418).end('teapot'));
    const check = await llmIntegration.test(
      llmConfig(server.port),
      AbortSignal.timeout(5_000),
      allowLoopback,
    );
    expect(server.connections).toBe(1);
    expect(check).toEqual({
      ok: false,
      detail: 'the server did not answer as an OpenAI-compatible API: check the base URL',
    });
  });
});
