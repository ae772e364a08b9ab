/**
 * The WhatsApp QR panel in Chromium: staff start linking on the integrations page and see
 * each QR code the (stand-in) socket emits replace the last, then the linked number; then,
 * over that link, staff take a conversation over and send a file from its transcript.
 */
import type { Browser, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_PASSWORD, staffMember } from '../api/staff-support.ts';
import { standInSockets } from '../channels/whatsapp-qr/stand-in-socket.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { buildWebUi, expectAccessible, launchChromium } from './browser.ts';

const slow = { timeout: 20_000 };

let store: TestStore;
let telegram: FakeTelegram;
let gateway: TestGateway;
let browser: Browser;
let page: Page;
let baseUrl: string;
let tenantId: string;
const sockets = standInSockets();

beforeAll(async () => {
  const webRoot = await buildWebUi();
  store = await createTestStore();
  telegram = await startFakeTelegram();
  gateway = await startTestGateway({
    store,
    telegram,
    webRoot,
    server: { logger: false, whatsappQr: { createSocket: sockets.factory } },
  });
  await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(gateway.app.server.address() as { port: number }).port}`;
  browser = await launchChromium();
  page = await (await browser.newContext({ locale: 'en-US' })).newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await telegram?.close();
  await store?.dispose();
});

describe('WhatsApp QR panel in Chromium', () => {
  it('shows each new QR code live, then the linked number', { timeout: 120_000 }, async () => {
    const tenant = await gateway.createTenant('bakery');
    tenantId = tenant.id;
    await staffMember(gateway, tenant, { email: 'ada@bakery.test', role: 'admin' });
    await page.goto(`${baseUrl}/?tenant=${tenant.slug}`);
    await expect.poll(() => page.getByLabel('Workspace').inputValue(), slow).toBe(tenant.slug);
    await page.getByLabel('Email').fill('ada@bakery.test');
    await page.getByLabel('Password').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Inbox' }).count(), slow).toBe(1);
    await page.goto(`${baseUrl}/#/integrations`);
    await page.locator('[data-connector="whatsapp"]').click();
    await expect.poll(() => page.getByTestId('whatsapp-qr-panel').count(), slow).toBe(1);
    await page.getByRole('button', { name: 'Show QR code & connect' }).click();
    await eventually(() => sockets.sockets.length === 1, 20_000, 'the socket');
    const socket = sockets.latest();
    const sources: string[] = [];
    for (const qr of [
      '2@first-qr-code-from-whatsapp,abc=,def=,ghi=',
      '2@second-qr-code-from-whatsapp,abc=,def=,ghi=',
    ]) {
      socket.emit('connection.update', { qr });
      await expect
        .poll(async () => {
          const source = await page
            .getByTestId('whatsapp-qr-code')
            .getAttribute('src')
            .catch(() => null);
          return source !== null && !sources.includes(source) ? source : null;
        }, slow)
        .toMatch(/^data:image\/png;base64,/);
      sources.push((await page.getByTestId('whatsapp-qr-code').getAttribute('src'))!);
    }
    expect(new Set(sources).size).toBe(2);
    await expectAccessible(page, 'the WhatsApp QR panel');
    socket.open();
    await expect.poll(() => page.getByTestId('whatsapp-qr-state').textContent(), slow).toBe('connected');
    await expect
      .poll(() => page.getByTestId('whatsapp-qr-linked').textContent(), slow)
      .toContain('+15550009999');
    expect(await page.getByTestId('whatsapp-qr-code').count()).toBe(0);
  });

  // Runs on the link the test above made.
  it('sends a file staff choose in the transcript, with its caption', { timeout: 120_000 }, async () => {
    const socket = sockets.latest();
    socket.receive({
      key: { remoteJid: '15550000001@s.whatsapp.net', fromMe: false, id: '3EB0WEBMEDIA00001' },
      messageTimestamp: Math.floor(Date.now() / 1000),
      pushName: 'Ada Test',
      message: { conversation: 'Can I see the cake?' },
    });
    await eventually(() => socket.sends().length > 0, 30_000, 'the agent’s reply');
    const conversation = await store.db.conversation.findFirstOrThrow({ where: { tenantId } });
    await page.goto(`${baseUrl}/#/inbox/${conversation.id}`);
    await page.getByRole('button', { name: 'Take over' }).click();
    await expect
      .poll(() => page.getByTestId('conversation-state').getAttribute('data-state'), slow)
      .toBe('human');
    const picture = await QRCode.toBuffer('a picture of the cake');
    await page
      .getByLabel('Attachment')
      .setInputFiles({ name: 'cake.png', mimeType: 'image/png', buffer: picture });
    await page.getByLabel('Caption (optional)').fill('Our cake');
    await expectAccessible(page, 'the transcript with its file form');
    const before = socket.sends().length;
    await page.getByRole('button', { name: 'Upload' }).click();
    const sent = await eventually(() => socket.sends()[before], 30_000, 'the file sent');
    expect(sent).toMatchObject({ content: { caption: 'Our cake', mimetype: 'image/png' } });
    expect(Buffer.compare((sent!.content as { image: Buffer }).image, picture)).toBe(0);
    await expect
      .poll(() => page.locator('[data-direction="outbound"] [data-part="media"]').count(), slow)
      .toBeGreaterThan(0);
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});
