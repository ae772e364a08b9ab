import { afterAll, beforeAll, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore } from '../support/database.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway, textUpdate } from '../support/gateway.ts';

let store: Awaited<ReturnType<typeof createTestStore>>;
let telegram: FakeTelegram;
let gateway: TestGateway;
beforeAll(async () => {
  store = await createTestStore();
  telegram = await startFakeTelegram();
  gateway = await startTestGateway({ store, telegram });
});
afterAll(async () => { await gateway.close(); await telegram.close(); await store.dispose(); });

it('probe', async () => {
  const tenant = await gateway.createTenant('probe');
  const secret = await gateway.configureTelegram(tenant);
  const r1 = await gateway.request({ method: 'PUT', url: '/admin/connector-hub/telegram/config', token: tenant.apiToken, headers: { 'content-type': 'text/plain' }, payload: 'hello' });
  console.log('text/plain admin', r1.statusCode, r1.body);
  const dup = await Promise.all([1, 2].map(() => gateway.request({ method: 'POST', url: '/admin/tenants', token: ADMIN_TOKEN, payload: { slug: 'same', name: 'x' } })));
  console.log('dup', dup.map((r) => `${r.statusCode} ${r.body}`));
  const update = textUpdate({ updateId: 1, messageId: 1, chatId: 1, text: 'a\u0000b' });
  const nul = await gateway.postUpdate(tenant.slug, update, secret);
  console.log('nul', nul.statusCode, nul.body);
  const huge = textUpdate({ updateId: 2, messageId: 2, chatId: 2, text: 'x' });
  huge.message.date = 9_000_000_000_000;
  const h = await gateway.postUpdate(tenant.slug, huge, secret);
  console.log('huge date', h.statusCode, h.body);
  const bigChat = textUpdate({ updateId: 3, messageId: 3, chatId: 3, text: 'x' });
  const b = await gateway.postUpdate(tenant.slug, { ...bigChat, message: { ...bigChat.message, from: { id: 1.5 } } }, secret);
  console.log('frac', b.statusCode, b.body);
  const bad = await gateway.app.inject({ method: 'POST', url: '/admin/tenants', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: '{"slug":' });
  console.log('malformed', bad.statusCode, bad.body);
  const noauth = await gateway.request({ method: 'GET', url: '/admin/nothing' });
  console.log('unknown admin route no auth', noauth.statusCode, noauth.body);
  const adminNoTenant = await gateway.request({ method: 'GET', url: '/admin/conversations', token: ADMIN_TOKEN });
  console.log('admin no tenant', adminNoTenant.statusCode, adminNoTenant.body);
  console.log(gateway.app.printRoutes({ commonPrefix: false }));
  const empty = await gateway.app.inject({ method: 'POST', url: '/admin/connector-hub/telegram/test', headers: { authorization: `Bearer ${tenant.apiToken}`, 'content-type': 'application/json' } });
  console.log('empty json post', empty.statusCode, empty.body);
  const t = await gateway.request({ method: 'POST', url: '/admin/connector-hub/telegram/test', token: tenant.apiToken });
  console.log('test no body', t.statusCode, t.body);
  const big = await gateway.request({ method: 'PUT', url: '/admin/connector-hub/telegram/config', token: tenant.apiToken, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ x: 'a'.repeat(1024 * 1024 + 10) }) });
  console.log('big', big.statusCode, big.body);
});
