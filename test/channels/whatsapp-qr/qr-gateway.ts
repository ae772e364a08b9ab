/**
 * An in-process gateway whose WhatsApp (QR) sockets are stand-ins: the real app, database,
 * queue, agent and dispatcher; only Baileys' connection to WhatsApp is replaced.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { WhatsAppQrOverrides } from '../../../src/server/whatsapp-qr/gateway-sessions.ts';
import { startFakeTelegram } from '../../fakes/telegram-api.ts';
import { createTestStore, type TestStore } from '../../support/database.ts';
import { eventually, startTestGateway } from '../../support/gateway.ts';
import { standInSockets } from './stand-in-socket.ts';

/** Pacing fast enough for tests, with jitter and typing time still in play. */
export const TEST_PACING = { sendsPerMinute: 600, jitter: 0.5, typingMsPerCharacter: 1, maxTypingMs: 50 };

export interface QrGateway {
  app: FastifyInstance;
  store: TestStore;
  sockets: ReturnType<typeof standInSockets>;
  dataDir: string;
  /** Moves the gateway's clock forward (due jobs, pauses). */
  advance(ms: number): void;
  request(options: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  createTenant(slug: string): Promise<{ id: string; slug: string; apiToken: string }>;
  /** Connects the tenant's WhatsApp and opens the stand-in socket as a scanned QR would. */
  link(token: string): Promise<void>;
  close(): Promise<void>;
}

export async function startQrGateway(
  options: {
    environment?: Record<string, string>;
    overrides?: WhatsAppQrOverrides;
    /** A database another gateway uses too (a second process of one deployment); the caller disposes of it. */
    store?: TestStore;
  } = {},
): Promise<QrGateway> {
  const store = options.store ?? (await createTestStore());
  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-wa-qr-'));
  // Unused here, but the test gateway reaches Telegram only through a fake.
  const telegram = await startFakeTelegram();
  const sockets = standInSockets();
  let offset = 0;
  const gateway = await startTestGateway({
    store,
    telegram,
    environment: { DATA_DIR: dataDir, ...options.environment },
    server: {
      logger: false,
      clock: { now: () => Date.now() + offset },
      whatsappQr: {
        createSocket: sockets.factory,
        pacing: TEST_PACING,
        backoff: { baseMs: 10, maxMs: 40, jitter: 0.5 },
        ...options.overrides,
      },
    },
  });
  return {
    app: gateway.app,
    store,
    sockets,
    dataDir,
    advance(ms) {
      offset += ms;
    },
    request: gateway.request,
    createTenant: (slug) => gateway.createTenant(slug),
    async link(token) {
      const before = sockets.sockets.length;
      const response = await gateway.request({
        method: 'POST',
        url: '/admin/channels/whatsapp_qr/connect',
        token,
      });
      if (response.statusCode !== 200) throw new Error(`connect failed: ${response.body}`);
      await eventually(() => sockets.sockets.length > before, 10_000, 'the socket');
      sockets.latest().open();
      await eventually(
        async () => (await store.db.whatsappQrSession.findFirst({ where: { state: 'connected' } })) !== null,
        10_000,
        'the connected state',
      );
    },
    async close() {
      await gateway.close();
      await telegram.close();
      if (!options.store) await store.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
