/**
 * The WhatsApp QR panel in Chromium: staff start linking on the integrations page and see
 * each QR code the (stand-in) socket emits replace the last, then the linked number.
 */
import type { Browser, Page } from 'playwright-core';
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
});
