/**
 * The staff workspace in headless Chromium against a real gateway on loopback (SQLite, or
 * PostgreSQL with DATABASE_URL), with the fake Telegram: one browser and one gateway for the
 * file, each test continuing the story of the one before.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPendingAction } from '../../src/agent/pending-actions.ts';
import { exampleEvent } from '../analytics/support.ts';
import type { ConnectedTenant } from '../api/gateway-world.ts';
import { invite, STAFF_PASSWORD, staffMember } from '../api/staff-support.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import {
  eventually,
  queueSettled,
  startTestGateway,
  type TestGateway,
  textUpdate,
} from '../support/gateway.ts';
import { buildWebUi, expectAccessible, launchChromium, screenshotFolder } from './browser.ts';

const SECOND_BOT = '7000000002:second-bot_token-of-tenant-b';
const THIRD_BOT = '7000000003:third-bot_token-of-tenant-c';

let store: TestStore;
let telegram: FakeTelegram;
let gateway: TestGateway;
let browser: Browser;
let baseUrl: string;
let tenant: ConnectedTenant;
let context: BrowserContext;
let page: Page;
let updates = 0;

async function connectedTenant(slug: string, botToken: string): Promise<ConnectedTenant> {
  const created = await gateway.createTenant(slug);
  const webhookSecret = await gateway.configureTelegram(created, { bot_token: botToken });
  return { ...created, botToken, webhookSecret };
}

async function say(to: ConnectedTenant, chatId: number, text: string): Promise<void> {
  updates += 1;
  const update = textUpdate({ updateId: updates, messageId: updates, chatId, text });
  const response = await gateway.postUpdate(to.slug, update, to.webhookSecret);
  expect(response.statusCode, response.body).toBe(200);
}

/** Chromium and the gateway share two busy cores: wait generously for the page. */
const slow = { timeout: 15_000 };

const sentTo = (chatId: number) => telegram.sent().filter((message) => message.chat_id === String(chatId));

async function screenshot(name: string): Promise<void> {
  // Only the SQLite run writes the committed screenshots, so the two runs do not race.
  if (process.env.DATABASE_URL?.startsWith('postgres')) return;
  await mkdir(screenshotFolder, { recursive: true });
  await page.screenshot({ path: path.join(screenshotFolder, `${name}.png`), fullPage: true });
}

async function logIn(into: Page, slug: string, email: string, password = STAFF_PASSWORD): Promise<void> {
  await into.goto(`${baseUrl}/?tenant=${slug}`);
  await expect.poll(() => into.getByLabel('Workspace').inputValue(), slow).toBe(slug);
  await into.getByLabel('Email').fill(email);
  await into.getByLabel('Password').fill(password);
  await into.getByRole('button', { name: 'Log in' }).click();
}

beforeAll(async () => {
  const webRoot = await buildWebUi();
  store = await createTestStore();
  telegram = await startFakeTelegram({ tokens: [FAKE_BOT_TOKEN, SECOND_BOT, THIRD_BOT] });
  gateway = await startTestGateway({ store, telegram, webRoot });
  await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(gateway.app.server.address() as { port: number }).port}`;
  browser = await launchChromium();
  context = await browser.newContext({ locale: 'en-US' });
  page = await context.newPage();
  tenant = await connectedTenant('bakery', FAKE_BOT_TOKEN);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await telegram?.close();
  await store?.dispose();
});

describe('staff workspace in Chromium', () => {
  it('accepts an invite, refuses a wrong password, and logs in', async () => {
    const { inviteUrl } = await invite(gateway, tenant, {
      email: 'ada@bakery.test',
      name: 'Ada',
      role: 'admin',
    });
    await page.goto(inviteUrl.replace('https://gateway.test', baseUrl));
    await expectAccessible(page, 'the set-password page');
    await page.getByLabel('Password').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'Save password' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), slow).toContain('Password saved');

    await logIn(page, tenant.slug, 'ada@bakery.test', 'not the password');
    await expect.poll(() => page.getByRole('alert').textContent(), slow).toContain('wrong');
    await expectAccessible(page, 'the login page');
    await page.getByLabel('Password').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Inbox' }).count(), slow).toBe(1);
  });

  it('shows a Telegram conversation live, without reload', async () => {
    await expectAccessible(page, 'the empty inbox');
    await say(tenant, 5550050001, 'Do you bake rye bread?');
    await expect.poll(() => page.locator('[data-conversation]').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('[data-conversation]').textContent(), slow).toContain('Ada Test');
    // The agent answered; only the customer's message is unread.
    await queueSettled(store.db);
    await expect.poll(() => page.locator('[data-unread]').getAttribute('data-unread'), slow).toBe('1');
  });

  it('takes over, sends once through Telegram, keeps the agent silent, and hands back', async () => {
    await queueSettled(store.db);
    expect(sentTo(5550050001)).toHaveLength(1);
    await page.locator('[data-conversation]').first().click();
    // Opening the transcript reads it: the badge goes, here and in every open inbox.
    await expect.poll(() => page.locator('[data-unread]').count(), slow).toBe(0);
    await page.getByRole('button', { name: 'Take over' }).click();
    await expect
      .poll(() => page.getByTestId('conversation-state').getAttribute('data-state'), slow)
      .toBe('human');
    await page.getByLabel('Reply').fill('Yes, every Friday. — Ben');
    await page.getByRole('button', { name: 'Send' }).click();
    await eventually(() => sentTo(5550050001).length === 2, 10_000, 'the staff reply');
    expect(sentTo(5550050001)[1]!.text).toBe('Yes, every Friday. — Ben');
    await expectAccessible(page, 'a transcript');

    await say(tenant, 5550050001, 'Great, thanks!');
    await queueSettled(store.db);
    expect(sentTo(5550050001)).toHaveLength(2);
    await expect.poll(() => page.locator('[data-direction="inbound"]').count(), slow).toBe(2);

    await page.getByRole('button', { name: 'Hand back' }).click();
    await expect
      .poll(() => page.getByTestId('conversation-state').getAttribute('data-state'), slow)
      .toBe('bot');
    await say(tenant, 5550050001, 'What are your opening hours?');
    await queueSettled(store.db);
    expect(sentTo(5550050001)).toHaveLength(3);
    expect(sentTo(5550050001).filter((message) => message.text === 'Yes, every Friday. — Ben')).toHaveLength(
      1,
    );
  });

  it('shows needs_human live when a customer asks for a person, with the tool call in the transcript', async () => {
    await say(tenant, 5550050002, 'I want to talk to a human please');
    const badge = page.locator('[data-conversation] [data-state="needs_human"]');
    await expect.poll(() => badge.count(), { timeout: 15_000 }).toBe(1);
    await screenshot('inbox');
    await badge.click();
    await expect.poll(() => page.locator('[data-kind="tool_call"]').count(), { timeout: 10_000 }).toBe(1);
    // The open conversation is read; the inbox beside it says so live.
    await expect.poll(() => page.locator('[aria-pressed="true"] [data-unread]').count(), slow).toBe(0);
    await screenshot('transcript');
  });

  it('shows media by reference, edits with their history, and dead-lettered and held replies', async () => {
    const chatId = 5550050003;
    // The bot is blocked when the agent answers the document: that reply is dead-lettered.
    telegram.fail('sendMessage', [{ status: 403, description: 'Forbidden: bot was blocked by the user' }]);
    updates += 1;
    const withDocument = textUpdate({ updateId: updates, messageId: updates, chatId, text: '' });
    const { text: _text, ...documentMessage } = withDocument.message;
    const posted = await gateway.postUpdate(
      tenant.slug,
      {
        update_id: updates,
        message: {
          ...documentMessage,
          caption: 'my order',
          document: {
            file_id: 'BQACAgIAAxk-order',
            file_name: 'order.pdf',
            mime_type: 'application/pdf',
            file_size: 20_480,
          },
        },
      },
      tenant.webhookSecret,
    );
    expect(posted.statusCode, posted.body).toBe(200);
    await queueSettled(store.db);
    await say(tenant, chatId, 'Two loaves, please');
    await queueSettled(store.db);
    const edit = textUpdate({
      updateId: updates + 1,
      messageId: updates,
      chatId,
      text: 'Three loaves, please',
    });
    updates += 1;
    const edited = await gateway.postUpdate(
      tenant.slug,
      { update_id: updates, edited_message: { ...edit.message, edit_date: 1767268900 } },
      tenant.webhookSecret,
    );
    expect(edited.statusCode, edited.body).toBe(200);
    const conversation = await store.db.conversation.findFirstOrThrow({
      where: { tenantId: tenant.id, externalChatId: String(chatId) },
    });
    // Telegram has no 24-hour window, so the held reply is written as the dispatcher holds
    // one on WhatsApp (test/pipeline/whatsapp-pipeline.test.ts holds a real one).
    await store.db.message.create({
      data: {
        tenantId: tenant.id,
        conversationId: conversation.id,
        channel: 'telegram',
        direction: 'outbound',
        kind: 'text',
        text: 'Your order is ready.',
        parts: JSON.stringify([{ type: 'text', text: 'Your order is ready.' }]),
        status: 'needs_template',
        error: 'outside the 24-hour window and no template is configured',
      },
    });

    await page.goto(`${baseUrl}/#/inbox/${conversation.id}`);
    const media = page.locator('[data-part="media"]');
    await expect
      .poll(() => media.textContent(), slow)
      .toBe('📎 Media: document (order.pdf, application/pdf, 20 KiB) — my order');
    await expect
      .poll(() => page.locator('[data-edit]').textContent(), slow)
      .toBe('Earlier version: Two loaves, please');
    expect(await page.getByText('Three loaves, please').count()).toBe(1);
    const dead = page.locator('[data-status="dead"]');
    expect(await dead.textContent()).toBe('dead-lettered');
    expect(await page.locator('[data-status="needs_template"]').textContent()).toBe(
      'held: outside the 24-hour window, needs a template',
    );
    expect(await page.locator('li.message.outbound').first().textContent()).toContain('bot was blocked');
    await expectAccessible(page, 'a transcript with media, edits and failed replies');
  }, 60_000);

  it('shows a transcript longer than one page down to its newest message', async () => {
    const conversation = await store.db.conversation.findFirstOrThrow({
      where: { tenantId: tenant.id, externalChatId: '5550050003' },
    });
    const start = Date.now();
    await store.db.message.createMany({
      data: Array.from({ length: 210 }, (_, index) => ({
        tenantId: tenant.id,
        conversationId: conversation.id,
        channel: 'telegram',
        direction: 'internal',
        kind: 'note',
        text: `note number ${index + 1}`,
        status: 'recorded',
        createdAt: new Date(start + index),
      })),
    });
    await page.goto(`${baseUrl}/#/inbox`);
    await page.goto(`${baseUrl}/#/inbox/${conversation.id}`);
    await expect.poll(() => page.getByText('note number 210').count(), slow).toBe(1);
  });

  it('shows a phone call with its summary beside what was said', async () => {
    // The call's message as the voice line stores it (test/channels/voice/ drives real calls).
    const contact = await store.db.contact.create({ data: { tenantId: tenant.id, displayName: 'Caller' } });
    const conversation = await store.db.conversation.create({
      data: { tenantId: tenant.id, contactId: contact.id, channel: 'voice', externalChatId: '+15550009999' },
    });
    const summary = {
      type: 'call',
      mode: 'conversation_relay',
      startedAt: '2026-12-01T10:00:00.000Z',
      endedAt: '2026-12-01T10:01:05.000Z',
      durationMs: 65_000,
      ended: 'handoff',
      turns: 3,
      toolCalls: 1,
      interruptions: 1,
      handoff: { to: '+15550001234' },
      latencyMs: [420, 180, 260],
    };
    const at = Date.now();
    await store.db.message.createMany({
      data: [
        { kind: 'call', direction: 'inbound', text: null, parts: JSON.stringify([summary]) },
        {
          kind: 'text',
          direction: 'inbound',
          text: 'I would like to speak to someone',
          parts: JSON.stringify([{ type: 'text', text: 'I would like to speak to someone' }]),
        },
      ].map((message, index) => ({
        ...message,
        tenantId: tenant.id,
        conversationId: conversation.id,
        channel: 'voice',
        status: 'received',
        createdAt: new Date(at + index),
      })),
    });
    await page.goto(`${baseUrl}/#/inbox/${conversation.id}`);
    await expect
      .poll(() => page.locator('[data-part="call"]').textContent(), slow)
      .toBe(
        '📞 Call: conversation_relay, 65 s, ended: handoff, 3 turns, 1 tool calls, 1 interruptions, transferred to +15550001234, latency 260 ms',
      );
    expect(await page.getByText('I would like to speak to someone').count()).toBe(1);
    await expectAccessible(page, 'a call transcript');
  });

  it('lists pending actions with their arguments; rejecting one records who decided', async () => {
    const conversation = await store.db.conversation.findFirstOrThrow({ where: { tenantId: tenant.id } });
    await createPendingAction(store.db, {
      tenantId: tenant.id,
      conversationId: conversation.id,
      callKey: 'browser-test:1',
      tool: 'book_appointment',
      input: { start: '2026-12-04T10:00:00+01:00' },
    });
    await page.goto(`${baseUrl}/#/actions`);
    const action = page.locator('[data-action]');
    await expect.poll(() => action.count(), slow).toBe(1);
    expect(await action.textContent()).toContain('"start":"2026-12-04T10:00:00+01:00"');
    await expectAccessible(page, 'the pending actions page');
    await action.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => action.count(), slow).toBe(0);
    const decided = await store.db.pendingAction.findFirstOrThrow({ where: { tenantId: tenant.id } });
    const ada = await store.db.staffUser.findFirstOrThrow({ where: { email: 'ada@bakery.test' } });
    expect(decided).toMatchObject({ status: 'rejected', decidedBy: `user:${ada.id}` });
  });

  it('passes the accessibility check on the users, agent settings and audit log pages; an invite says it was not emailed', async () => {
    await page.goto(`${baseUrl}/#/users`);
    await expect.poll(() => page.getByRole('cell', { name: 'ada@bakery.test' }).count(), slow).toBe(1);
    await expectAccessible(page, 'the users page');
    await page.getByLabel('Email').fill('eve@bakery.test');
    await page.getByLabel('Name').fill('Eve');
    await page.getByRole('button', { name: 'Invite' }).click();
    await expect
      .poll(() => page.getByTestId('invite-email').textContent(), slow)
      .toBe('No SMTP server is configured, so nothing was emailed: send the link yourself.');
    expect(await page.getByTestId('invite-url').inputValue()).toMatch(/invite=/);

    await page.goto(`${baseUrl}/#/agent`);
    await expect.poll(() => page.getByRole('button', { name: 'Save' }).count(), slow).toBe(1);
    await expectAccessible(page, 'the agent settings page');
    await page.goto(`${baseUrl}/#/audit`);
    await expect
      .poll(() => page.getByRole('cell', { name: 'staff.invited' }).count(), slow)
      .toBeGreaterThan(0);
    await expectAccessible(page, 'the audit log page');
  });

  it('configures Telegram through the form; the token never reaches the browser after saving', async () => {
    const other = await gateway.createTenant('florist');
    await staffMember(gateway, other, { email: 'cy@florist.test', role: 'admin' });
    const florist = await browser.newContext({ locale: 'en-US' });
    const own = await florist.newPage();
    await logIn(own, other.slug, 'cy@florist.test');
    await expect.poll(() => own.getByRole('heading', { name: 'Inbox' }).count(), slow).toBe(1);
    await own.goto(`${baseUrl}/#/integrations`);
    await expect.poll(() => own.locator('[data-connector="telegram"]').count(), slow).toBe(1);
    await expectAccessible(own, 'the integrations page');
    const previous = page;
    page = own;
    await screenshot('integrations');
    page = previous;
    await own.locator('[data-connector="telegram"]').click();
    await own.getByLabel(/Bot token/i).fill(THIRD_BOT);
    const bodies: string[] = [];
    const reading: Array<Promise<void>> = [];
    own.on('response', (response) => {
      reading.push(
        response.text().then(
          (text) => {
            bodies.push(text);
          },
          () => undefined,
        ),
      );
    });
    await own.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => own.getByTestId('connector-status').textContent(), slow)
      .not.toBe('not_configured');
    await own.getByRole('button', { name: 'Test connection' }).click();
    await expect
      .poll(() => own.getByTestId('connector-result').textContent(), slow)
      .toContain('@gateway_test_bot');
    await own.reload();
    await expect.poll(() => own.getByTestId('connector-status').textContent(), slow).toBe('connected');
    await expectAccessible(own, 'a connector page');
    await Promise.all(reading);
    expect(bodies.length).toBeGreaterThan(3);
    for (const body of bodies) expect(body).not.toContain(THIRD_BOT.split(':')[1]);
    await florist.close();
  });

  it('shows the analytics numbers the API returns', async () => {
    const names = [
      'integration_viewed',
      'integration_connect_clicked',
      'integration_oauth_started',
      'integration_oauth_failed',
      'integration_used_in_chat',
    ] as const;
    await gateway.app.analytics.record([
      ...names.map((name) => exampleEvent(name, tenant.id)),
      exampleEvent('integration_viewed', tenant.id),
    ]);
    await gateway.app.analytics.flush();
    const api = async (route: string) =>
      (
        await gateway.request({ method: 'GET', url: `/admin/analytics/${route}`, token: tenant.apiToken })
      ).json();
    const funnel = await api('integration-funnel');
    await page.goto(`${baseUrl}/#/analytics`);
    const funnelTable = page.locator('table[data-chart="integration-funnel"] tbody tr');
    await expect.poll(() => funnelTable.count(), slow).toBe(funnel.steps.length);
    for (const [index, step] of (funnel.steps as Array<{ event: string; count: number }>).entries()) {
      const cells = await funnelTable.nth(index).locator('td').allTextContents();
      expect(cells.slice(0, 2)).toEqual([step.event, String(step.count)]);
    }
    const tools = await api('tools-in-chat');
    const toolRows = page.locator('table[data-chart="tools-in-chat"] tbody tr');
    expect(await toolRows.count()).toBe(tools.items.length);
    expect(await toolRows.first().locator('td').nth(2).textContent()).toBe(String(tools.items[0].usageCount));
    await expectAccessible(page, 'the analytics page');
    await screenshot('analytics');
  });

  it("shows a second tenant's staff none of it, in the UI and through the API", async () => {
    const second = await connectedTenant('garage', SECOND_BOT);
    await staffMember(gateway, second, { email: 'dan@garage.test', role: 'agent' });
    const garage = await browser.newContext({ locale: 'en-US' });
    const theirs = await garage.newPage();
    await theirs.goto(`${baseUrl}/?tenant=${second.slug}&lang=de`);
    await expect.poll(() => theirs.getByRole('button', { name: 'Anmelden' }).count(), slow).toBe(1);
    expect(await theirs.getByLabel('Passwort').count()).toBe(1);
    await logIn(theirs, second.slug, 'dan@garage.test');
    await expect.poll(() => theirs.getByRole('heading', { name: 'Inbox' }).count(), slow).toBe(1);
    await expect.poll(() => theirs.getByText('No conversations.').count(), slow).toBe(1);
    const ofBakery = await store.db.conversation.findFirstOrThrow({ where: { tenantId: tenant.id } });
    const direct = await theirs.request.get(`${baseUrl}/admin/conversations/${ofBakery.id}/messages`);
    expect(direct.status()).toBe(404);
    const list = await theirs.request.get(`${baseUrl}/admin/conversations`);
    expect((await list.json()).items).toEqual([]);
    await theirs.goto(`${baseUrl}/#/integrations`);
    // The agent role sees only the inbox.
    await expect.poll(() => theirs.getByRole('link', { name: 'Integrations' }).count(), slow).toBe(0);
    await garage.close();
  });

  // Last: it locks this client address out of logging in.
  it('rate-limits repeated failed logins', async () => {
    const fresh = await browser.newContext({ locale: 'en-US' });
    const login = await fresh.newPage();
    await logIn(login, tenant.slug, 'ada@bakery.test', 'wrong again');
    await expect.poll(() => login.getByRole('alert').textContent(), slow).toContain('wrong');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const answer = login.waitForResponse((response) => response.url().endsWith('/auth/login'));
      await login.getByRole('button', { name: 'Log in' }).click();
      await answer;
    }
    await expect.poll(() => login.getByRole('alert').textContent(), slow).toContain('too many failed logins');
    await login.getByLabel('Password').fill(STAFF_PASSWORD);
    const refused = login.waitForResponse((response) => response.url().endsWith('/auth/login'));
    await login.getByRole('button', { name: 'Log in' }).click();
    // Even the right password is refused while the address is locked out.
    expect((await refused).status()).toBe(429);
    expect(await login.getByRole('heading', { name: 'Inbox' }).count()).toBe(0);
    await fresh.close();
  });
});
