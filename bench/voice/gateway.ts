import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeySpecification, parseKeyRing } from '../../src/connectors/key-ring.ts';
import { parseConfig } from '../../src/core/config.ts';
import { buildApp } from '../../src/server/app.ts';
import { ensureAdminToken } from '../../src/server/auth.ts';
import { openStore } from '../../src/store/index.ts';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  startFakeTwilio,
} from '../../test/fakes/twilio-api.ts';
import { createBenchTenant } from '../lib/bench-tenant.ts';
import { PUBLIC_URL } from './callers.ts';
import { serveRole } from './role.ts';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const MODEL_KEY = 'sk-bench-realtime';

/**
 * The gateway under test: the real app (buildApp) on a fresh SQLite file, with one tenant
 * whose voice line is in `media_stream` mode and whose realtime model
 * (OPENAI_REALTIME_URL) is the bench's model process.
 */
export async function runGateway(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-voice-'));
  const store = await openStore({ dataDir });
  const twilio = await startFakeTwilio();
  const config = parseConfig({
    DATA_DIR: dataDir,
    PUBLIC_URL,
    TWILIO_API_BASE_URL: twilio.baseUrl,
    SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
    WORKER_CONCURRENCY: '0',
    LOG_LEVEL: 'warn',
    OPENAI_REALTIME_URL: process.env.BENCH_REALTIME_URL,
    OPENAI_API_KEY: MODEL_KEY,
  });
  const app = await buildApp({ config, store, keyRing: parseKeyRing(generateKeySpecification()) });
  await ensureAdminToken(store.db, ADMIN_TOKEN);
  const tenant = await createBenchTenant(app, ADMIN_TOKEN);
  await tenant.put('/admin/connector-hub/sms/config', {
    account_sid: FAKE_ACCOUNT_SID,
    auth_token: FAKE_AUTH_TOKEN,
    sms_number: FAKE_SMS_NUMBER,
  });
  await tenant.put('/admin/connector-hub/voice/config', {
    voice_number: FAKE_SMS_NUMBER,
    mode: 'media_stream',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  serveRole(
    { port: (app.server.address() as AddressInfo).port },
    async () => ({}),
    async () => {
      await app.close();
      await store.close();
      await twilio.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  );
}
