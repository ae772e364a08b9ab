/**
 * `npm run bench:voice`: what the Media Streams bridge adds to each 20 ms audio frame, and
 * how many concurrent calls one gateway process carries before that grows past 20 ms.
 *
 * The gateway is the real app (buildApp) in a child process of its own, on a fresh SQLite
 * file, with one tenant whose voice line is in `media_stream` mode; its realtime model
 * (OPENAI_REALTIME_URL) is a loopback WebSocket server in this process. Each call is placed
 * as Twilio places it (signed incoming webhook, then the socket upgrade with its signature,
 * `connected`, `start` with the per-call value) and then sends one 160-byte μ-law `media`
 * frame every 20 ms. The model answers every `input_audio_buffer.append` at once with a
 * `response.output_audio.delta` carrying the same bytes, and the caller echoes every mark,
 * as Twilio does once audio has played. Each frame carries its call and sequence number in
 * its first bytes (the bridge forwards audio untouched), so both hops are timed here, on one
 * clock: caller → model (inbound) and model → caller (outbound). The figures include two
 * loopback WebSocket hops and this process's own event loop, so they are an upper bound of
 * what the bridge adds.
 *
 * Steps of N concurrent calls (`--calls 1,25,50,…`, default up to 800), each with a warm-up
 * second and `--seconds` (default 5) measured, stop at the first whose p99 passes 20 ms.
 */
import { execSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { generateKeySpecification, parseKeyRing } from '../src/connectors/key-ring.ts';
import { parseConfig } from '../src/core/config.ts';
import { buildApp } from '../src/server/app.ts';
import { ensureAdminToken } from '../src/server/auth.ts';
import { openStore } from '../src/store/index.ts';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  signTwilioRequest,
  startFakeTwilio,
} from '../test/fakes/twilio-api.ts';
import { onFinish, startServerChild } from './lib/child.ts';

const PUBLIC_URL = 'https://gateway.bench';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const MODEL_KEY = 'sk-bench-realtime';
const FRAME_BYTES = 160;
const FRAME_MS = 20;
const LIMIT_MS = 20;

interface GatewayReady {
  port: number;
}

/** The child: the gateway with a voice line whose model is the parent's loopback server. */
async function runGateway(): Promise<void> {
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
  const created = await app.inject({
    method: 'POST',
    url: '/admin/tenants',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    payload: { slug: 'bench', name: 'Bench' },
  });
  const tenant = created.json<{ apiToken: string }>();
  for (const [connector, payload] of [
    ['sms', { account_sid: FAKE_ACCOUNT_SID, auth_token: FAKE_AUTH_TOKEN, sms_number: FAKE_SMS_NUMBER }],
    ['voice', { voice_number: FAKE_SMS_NUMBER, mode: 'media_stream' }],
  ] as const) {
    const saved = await app.inject({
      method: 'PUT',
      url: `/admin/connector-hub/${connector}/config`,
      headers: { authorization: `Bearer ${tenant.apiToken}` },
      payload,
    });
    if (saved.statusCode !== 200) throw new Error(`configuring ${connector} failed: ${saved.body}`);
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ port: (app.server.address() as AddressInfo).port } satisfies GatewayReady);
  onFinish(async () => {
    await app.close();
    await store.close();
    await twilio.close();
    await rm(dataDir, { recursive: true, force: true });
    return {};
  });
}

/** Where latencies of the current step go; frames sent during the warm-up are not counted. */
interface Recorder {
  measuring: boolean;
  /** Frames the callers sent while measuring. */
  sent: number;
  inbound: number[];
  outbound: number[];
  sentAt: Map<string, number>;
  modelSentAt: Map<string, number>;
}

function frameKey(payload: Buffer): string {
  return `${payload.readUInt32BE(0)}:${payload.readUInt32BE(4)}`;
}

/** The loopback realtime model: answers each appended frame with the same bytes as output audio. */
async function startEchoModel(recorder: Recorder) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as { type: string; audio?: string };
      if (event.type !== 'input_audio_buffer.append' || !event.audio) return;
      const now = performance.now();
      const key = frameKey(Buffer.from(event.audio, 'base64'));
      const sent = recorder.sentAt.get(key);
      if (sent !== undefined) {
        recorder.sentAt.delete(key);
        if (recorder.measuring) recorder.inbound.push(now - sent);
      }
      recorder.modelSentAt.set(key, performance.now());
      socket.send(
        JSON.stringify({ type: 'response.output_audio.delta', item_id: 'item_bench', delta: event.audio }),
      );
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    close: () => {
      for (const client of server.clients) client.terminate();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One call as Twilio makes it; resolves once its stream has started. */
async function placeCall(port: number, index: number, recorder: Recorder) {
  const callSid = `CA${index.toString(16).padStart(32, '0')}`;
  const form = new URLSearchParams({
    AccountSid: FAKE_ACCOUNT_SID,
    CallSid: callSid,
    From: '+15550000001',
    To: FAKE_SMS_NUMBER,
  }).toString();
  const incoming = `${PUBLIC_URL}/voice/incoming/bench`;
  const answer = await fetch(`http://127.0.0.1:${port}/voice/incoming/bench`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilioRequest(FAKE_AUTH_TOKEN, incoming, form),
    },
    body: form,
  });
  const twiml = await answer.text();
  const token = /name="callToken" value="([^"]+)"/.exec(twiml)?.[1];
  if (!token) throw new Error(`no call value in ${twiml}`);
  const socketPath = '/voice/stream/bench';
  const socket = new WebSocket(`ws://127.0.0.1:${port}${socketPath}`, {
    headers: {
      'x-twilio-signature': signTwilioRequest(FAKE_AUTH_TOKEN, `wss://gateway.bench${socketPath}`, ''),
    },
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const streamSid = `MZ${index.toString(16).padStart(32, '0')}`;
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as {
      event: string;
      media?: { payload: string };
      mark?: { name: string };
    };
    if (frame.event === 'media' && frame.media) {
      const key = frameKey(Buffer.from(frame.media.payload, 'base64'));
      const sent = recorder.modelSentAt.get(key);
      if (sent !== undefined) {
        recorder.modelSentAt.delete(key);
        if (recorder.measuring) recorder.outbound.push(performance.now() - sent);
      }
    } else if (frame.event === 'mark' && frame.mark) {
      socket.send(JSON.stringify({ event: 'mark', streamSid, mark: frame.mark }));
    }
  });
  socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  socket.send(
    JSON.stringify({
      event: 'start',
      sequenceNumber: '1',
      streamSid,
      start: {
        accountSid: FAKE_ACCOUNT_SID,
        streamSid,
        callSid,
        tracks: ['inbound'],
        customParameters: { callToken: token },
      },
    }),
  );
  let sequence = 0;
  const frame = Buffer.alloc(FRAME_BYTES, 0xff);
  frame.writeUInt32BE(index, 0);
  const send = () => {
    sequence += 1;
    frame.writeUInt32BE(sequence, 4);
    recorder.sentAt.set(`${index}:${sequence}`, performance.now());
    if (recorder.measuring) recorder.sent += 1;
    socket.send(
      JSON.stringify({
        event: 'media',
        sequenceNumber: String(sequence + 1),
        streamSid,
        media: {
          track: 'inbound',
          chunk: String(sequence),
          timestamp: String(sequence * FRAME_MS),
          payload: frame.toString('base64'),
        },
      }),
    );
  };
  // Calls start at random points of the 20 ms cycle, as real calls do.
  let timer: NodeJS.Timeout | undefined;
  const offset = setTimeout(() => {
    timer = setInterval(send, FRAME_MS);
  }, Math.random() * FRAME_MS);
  return {
    stop() {
      clearTimeout(offset);
      clearInterval(timer);
      socket.close();
    },
  };
}

function percentile(values: number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}

function readNumbers(flag: string, fallback: number[]): number[] {
  const index = process.argv.indexOf(flag);
  return index === -1 ? fallback : process.argv[index + 1]!.split(',').map(Number);
}

async function runBench(): Promise<void> {
  const steps = readNumbers('--calls', [1, 25, 50, 100, 200, 300, 400, 600, 800]);
  const [seconds = 5] = readNumbers('--seconds', [5]);
  const recorder: Recorder = {
    measuring: false,
    sent: 0,
    inbound: [],
    outbound: [],
    sentAt: new Map(),
    modelSentAt: new Map(),
  };
  const model = await startEchoModel(recorder);
  const gateway = await startServerChild<GatewayReady, object>(new URL(import.meta.url), {
    env: { BENCH_VOICE_ROLE: 'gateway', BENCH_REALTIME_URL: model.url },
  });
  const rows: string[] = [];
  // The largest step that, like every step before it, kept p99 within the limit.
  let carried = 0;
  let passing = true;
  const calls: Array<{ stop(): void }> = [];
  let callIndex = 0;
  for (const target of steps) {
    while (calls.length < target) {
      callIndex += 1;
      calls.push(await placeCall(gateway.ready.port, callIndex, recorder));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    recorder.inbound = [];
    recorder.outbound = [];
    recorder.sent = 0;
    recorder.measuring = true;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
    recorder.measuring = false;
    const expected = Math.round((target * seconds * 1_000) / FRAME_MS);
    const figures = {
      inboundP50: percentile(recorder.inbound, 0.5),
      inboundP99: percentile(recorder.inbound, 0.99),
      outboundP50: percentile(recorder.outbound, 0.5),
      outboundP99: percentile(recorder.outbound, 0.99),
    };
    const worst = Math.max(figures.inboundP99, figures.outboundP99);
    rows.push(
      `| ${target} | ${recorder.inbound.length} / ${recorder.sent} (${expected} due) | ${figures.inboundP50.toFixed(2)} | ${figures.inboundP99.toFixed(2)} | ${figures.outboundP50.toFixed(2)} | ${figures.outboundP99.toFixed(2)} | ${loadavg()[0]!.toFixed(2)} |`,
    );
    process.stdout.write(`${rows.at(-1)}\n`);
    if (passing && worst <= LIMIT_MS) carried = target;
    else passing = false;
    // Past the limit even for the median, a larger step says nothing more.
    if (!(Math.max(figures.inboundP50, figures.outboundP50) <= LIMIT_MS)) break;
  }
  for (const call of calls) call.stop();
  await gateway.finish();
  await model.close();
  const commit = execSync('git rev-parse --short HEAD').toString().trim();
  process.stdout.write(
    [
      '',
      `commit ${commit}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${seconds} s per step`,
      '| concurrent calls | frames timed / sent | in p50 ms | in p99 ms | out p50 ms | out p99 ms | load (1 min) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      `Carried with p99 ≤ ${LIMIT_MS} ms per frame in both directions: ${carried} concurrent calls.`,
      '',
    ].join('\n'),
  );
}

if (process.env.BENCH_VOICE_ROLE === 'gateway') await runGateway();
else await runBench();
