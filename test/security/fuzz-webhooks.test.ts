import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels } from '../../src/channels/registry.ts';
import { type EmailTenant, type EmailWorld, startEmailWorld } from '../channels/email/email-gateway.ts';
import { basicAuth, loadFixture } from '../channels/email/fixtures.ts';
import { textUpdate } from '../support/gateway.ts';
import { registeredRoutes } from '../support/routes.ts';
import {
  expectNoPrototypePollution,
  fillPath,
  pickFrom,
  randomBody,
  randomHeaders,
  randomParameter,
  randomQuery,
  seededRandom,
  seedOf,
  sendAndCheck,
} from './fuzz-support.ts';

const REQUESTS_PER_ROUTE = 60;
const MIB = 1024 * 1024;
// Thousands of requests on a shared machine; each one's own bound is MAX_REQUEST_MS.
const FUZZ_TIMEOUT_MS = 240_000;

describe('fuzzing every webhook route', () => {
  let world: EmailWorld;
  let mail: EmailTenant;
  let telegramSecret: string;

  beforeAll(async () => {
    world = await startEmailWorld();
    mail = await world.emailTenant('acme');
    telegramSecret = await world.gateway.configureTelegram(mail);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it(
    'answers random and malformed bodies, headers and sizes without a 5xx, in bounded time',
    async () => {
      let random = seededRandom(9);
      const seen = { slowestMs: 0, statuses: new Map<number, number>() };
      const routes = registeredRoutes(world.gateway.app).filter((route) => route.includes(' /webhook/'));
      expect(routes.length).toBeGreaterThanOrEqual(10);
      const valid: Record<string, unknown[]> = {
        telegram: [textUpdate({ updateId: 1, messageId: 1, chatId: 42, text: 'Hallo' })],
        email: ['inbound_plain', 'inbound_html_only', 'inbound_with_attachment'].map(loadFixture),
      };
      // The credentials each channel takes from its headers; the others sign bodies, so any signature is wrong.
      const credentials = (channel: string): Record<string, string> => {
        if (channel === 'telegram') return { 'x-telegram-bot-api-secret-token': telegramSecret };
        if (channel === 'email') return { authorization: mail.authorization };
        return pickFrom<Record<string, string>>(random, [
          { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
          { 'x-twilio-signature': 'AAAA' },
          { authorization: basicAuth('x', 'y') },
          {},
        ]);
      };

      for (const route of routes) {
        random = seededRandom(seedOf(route));
        const [method, path] = route.split(' ') as ['GET' | 'POST', string];
        for (let index = 0; index < REQUESTS_PER_ROUTE; index += 1) {
          const channel = path.split('/')[2]!;
          const slug = randomParameter(random, ['acme', 'acme', 'acme']);
          const url = fillPath(path, (name) =>
            name === 'tenantSlug' ? slug : randomParameter(random, ['telegram', 'email']),
          );
          const adapter = channels[channel];
          const limit = Math.min(adapter?.bodyLimitBytes ?? MIB, 3 * MIB);
          const base = {
            'content-type': adapter?.contentTypes[0] ?? 'application/json',
            ...(random() < 0.7 ? credentials(channel) : {}),
          };
          await sendAndCheck(
            world.gateway.app,
            {
              method,
              url: `${url}${randomQuery(random)}`,
              headers: randomHeaders(random, base),
              ...(method === 'POST' ? { payload: randomBody(random, valid[channel] ?? [], limit) } : {}),
            },
            seen,
          );
        }
      }
      expectNoPrototypePollution();
      // Deep enough to matter: bodies reached the parsers and some were stored.
      expect(seen.statuses.get(200) ?? 0).toBeGreaterThan(0);
      expect(seen.statuses.get(400) ?? 0).toBeGreaterThan(0);
      const health = await world.gateway.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      // Whatever was stored belongs to the tenant the webhooks named.
      const tenants = await world.store.db.message.findMany({
        distinct: ['tenantId'],
        select: { tenantId: true },
      });
      expect(tenants.map((row) => row.tenantId)).toEqual([mail.id]);
    },
    FUZZ_TIMEOUT_MS,
  );
});
