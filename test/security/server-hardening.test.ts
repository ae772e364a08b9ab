import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import {
  ADMIN_TOKEN,
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
} from '../support/gateway.ts';
import { rawExchange } from '../support/raw-http.ts';

describe('the HTTP server against slow and hostile clients', () => {
  let store: TestStore | undefined;
  let telegram: FakeTelegram | undefined;
  let gateway: TestGateway | undefined;

  afterEach(async () => {
    await gateway?.close();
    await telegram?.close();
    await store?.dispose();
    gateway = telegram = store = undefined;
  });

  async function start(server: TestGatewayOptions['server']): Promise<TestGateway> {
    store = await createTestStore();
    telegram = await startFakeTelegram();
    gateway = await startTestGateway({ store, telegram, server });
    return gateway;
  }

  async function listen(app: TestGateway['app']): Promise<number> {
    await app.listen({ host: '127.0.0.1', port: 0 });
    return (app.server.address() as AddressInfo).port;
  }

  const timeouts = { headersMs: 500, requestMs: 1_000, idleMs: 5_000, checkIntervalMs: 100 };

  it('cuts a client that trickles its body at the request timeout', async () => {
    const { app } = await start({ serverTimeouts: timeouts });
    const port = await listen(app);
    // One byte every 100 ms never leaves the connection idle; 200 bytes would take 20 s.
    const exchange = await rawExchange(
      port,
      [
        'POST /admin/tenants HTTP/1.1',
        'host: 127.0.0.1',
        `authorization: Bearer ${ADMIN_TOKEN}`,
        'content-type: application/json',
        'content-length: 200',
      ].join('\r\n'),
      { chunks: Array.from({ length: 200 }, () => ' '), intervalMs: 100, waitMs: 10_000 },
    );
    expect(exchange.status === 408 || exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(timeouts.requestMs - 100);
    expect(exchange.elapsedMs).toBeLessThan(timeouts.requestMs + 2_000);
  });

  it('cuts a client that trickles its headers at the headers timeout', async () => {
    const { app } = await start({ serverTimeouts: timeouts });
    const port = await listen(app);
    const exchange = await rawExchange(port, 'GET /healthz HTTP/1.1', {
      chunks: Array.from({ length: 100 }, (_, index) => `\r\nx-slow-${index}: 1`),
      intervalMs: 100,
      waitMs: 10_000,
    });
    expect(exchange.status === 408 || exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeLessThan(timeouts.requestMs + 2_000);
  });

  describe('request logs', () => {
    async function logged(
      send: (gateway: TestGateway) => Promise<unknown>,
    ): Promise<Array<Record<string, unknown>>> {
      const lines: string[] = [];
      const started = await start({
        logger: { level: 'info', stream: { write: (line) => lines.push(line) } },
      });
      await send(started);
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    }

    it("never carry a query's values, such as Meta's hub.verify_token", async () => {
      const secret = 'verify-token-that-must-not-be-logged';
      const lines = await logged((started) =>
        started.app.inject({
          method: 'GET',
          url: `/webhook/whatsapp/acme?hub.mode=subscribe&hub.verify_token=${secret}&hub.challenge=42`,
        }),
      );
      const text = JSON.stringify(lines);
      expect(text).toContain('/webhook/whatsapp/acme');
      expect(text).not.toContain(secret);
    });

    it('take a plausible x-request-id from the client and replace anything else', async () => {
      const offered = ['abc-123_trace:7.x', 'x'.repeat(500), 'a b', 'inject\u2028ed', '<script>'];
      const lines = await logged(async (started) => {
        for (const id of offered) {
          await started.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': id } });
        }
      });
      const ids = [...new Set(lines.map((line) => line.reqId))];
      expect(ids).toHaveLength(offered.length);
      expect(ids[0]).toBe(offered[0]);
      for (const id of ids.slice(1)) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
