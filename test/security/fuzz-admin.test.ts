import { describe, expect, it } from 'vitest';
import { useGatewayWorld } from '../api/gateway-world.ts';
import { ADMIN_TOKEN } from '../support/gateway.ts';
import { registeredRoutes } from '../support/routes.ts';
import {
  expectNoPrototypePollution,
  fillPath,
  pickFrom,
  randomBody,
  randomHeaders,
  randomJson,
  randomParameter,
  randomQuery,
  seededRandom,
  sendAndCheck,
} from './fuzz-support.ts';

const REQUESTS_PER_ROUTE = 40;
const MIB = 1024 * 1024;
// Thousands of requests on a shared machine; each one's own bound is MAX_REQUEST_MS.
const FUZZ_TIMEOUT_MS = 240_000;

describe('fuzzing every admin, analytics and health route', () => {
  const world = useGatewayWorld({ shared: true });

  it(
    'answers random and malformed bodies, headers, parameters and credentials without a 5xx, in bounded time',
    async () => {
      const random = seededRandom(1209);
      const seen = { slowestMs: 0, statuses: new Map<number, number>() };
      const acme = await world.connectedTenant('acme');
      await world.say(acme, 5550001001, 'Hallo');
      const conversation = await world.store.db.conversation.findFirstOrThrow({
        where: { tenantId: acme.id },
      });
      const realIds = [
        conversation.id,
        'telegram',
        'email',
        'llm',
        'imap',
        'caldav',
        'smtp',
        'sms',
        'whatsapp',
      ];
      // The live event streams never end, so `inject` would wait for them forever; their refusals
      // and scoping are tested over real HTTP in test/api/event-stream.test.ts and
      // test/channels/whatsapp-qr/pairing.test.ts.
      const streams = ['GET /admin/events', 'GET /admin/channels/whatsapp_qr/pairing'];
      const routes = registeredRoutes(world.gateway.app).filter(
        (route) => !route.includes(' /webhook/') && !streams.includes(route),
      );
      expect(routes.length).toBeGreaterThanOrEqual(20);
      const credentials = (): Record<string, string> =>
        pickFrom<Record<string, string>>(random, [
          {},
          { authorization: 'Bearer not-a-token' },
          { authorization: `Bearer ${'x'.repeat(5000)}` },
          { authorization: 'Basic Og==' },
          { authorization: `Bearer ${ADMIN_TOKEN}` },
          { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-tenant': acme.slug },
          { authorization: `Bearer ${acme.apiToken}` },
          { authorization: `Bearer ${acme.apiToken}` },
          { 'x-write-key': 'wk_garbage' },
        ]);

      for (const route of routes) {
        const [method, path] = route.split(' ') as ['GET' | 'POST' | 'PUT' | 'DELETE', string];
        for (let index = 0; index < REQUESTS_PER_ROUTE; index += 1) {
          const url = fillPath(path, () => randomParameter(random, realIds));
          const withBody = method === 'POST' || method === 'PUT' || (method === 'DELETE' && random() < 0.2);
          await sendAndCheck(
            world.gateway.app,
            {
              method,
              url: `${url}${randomQuery(random)}`,
              headers: randomHeaders(random, { 'content-type': 'application/json', ...credentials() }),
              ...(withBody ? { payload: randomBody(random, [randomJson(random, 4)], MIB) } : {}),
            },
            seen,
          );
        }
      }
      expectNoPrototypePollution();
      expect(seen.statuses.get(200) ?? 0).toBeGreaterThan(0);
      expect(seen.statuses.get(400) ?? 0).toBeGreaterThan(0);
      expect(seen.statuses.get(401) ?? 0).toBeGreaterThan(0);
      const health = await world.gateway.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    },
    FUZZ_TIMEOUT_MS,
  );
});
