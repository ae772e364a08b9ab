/**
 * The link's lifecycle, driven by Baileys' `connection.update` events from a stand-in socket
 * under fake timers: every disconnect reason but logged-out reconnects after a growing,
 * jittered backoff; restart-required reconnects at once; logged-out deletes the link and
 * stops; a socket that is open but silent is replaced by the watchdog.
 */
import { readFileSync } from 'node:fs';
import { DisconnectReason } from '@whiskeysockets/baileys';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthStateStorage } from '../../../src/channels/whatsapp-qr/auth-state.ts';
import { backoffDelay, decideOnClose } from '../../../src/channels/whatsapp-qr/reconnect.ts';
import { createSession, type SessionStateChange } from '../../../src/channels/whatsapp-qr/session.ts';
import { standInSockets } from './stand-in-socket.ts';

/** The auth state in memory: the lifecycle is about the socket, the database store has its own test. */
function memoryStorage(): AuthStateStorage & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    async read(keys) {
      return new Map(keys.flatMap((key) => (entries.has(key) ? [[key, entries.get(key)!] as const] : [])));
    },
    async write(changes) {
      for (const [key, value] of changes) {
        if (value === null) entries.delete(key);
        else entries.set(key, value);
      }
    },
    async clear() {
      entries.clear();
    },
  };
}

const BACKOFF = { baseMs: 1_000, maxMs: 8_000, jitter: 0.5 };
const DEAF_MS = 60_000;

describe('WhatsApp QR session lifecycle', () => {
  let sockets: ReturnType<typeof standInSockets>;
  let storage: ReturnType<typeof memoryStorage>;
  let changes: SessionStateChange[];
  let qrs: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = standInSockets();
    storage = memoryStorage();
    changes = [];
    qrs = [];
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  async function started() {
    const session = createSession({
      storage,
      createSocket: sockets.factory,
      deafAfterMs: DEAF_MS,
      backoff: BACKOFF,
      pacing: { sendsPerMinute: 60, jitter: 0, typingMsPerCharacter: 0, maxTypingMs: 0 },
      handlers: {
        onState: (change) => changes.push(change),
        onQr: (qr) => qrs.push(qr),
        onMessages: async () => {},
        onMessageUpdates: async () => {},
        onLidMapping: async () => {},
        onError: (error) => {
          throw error;
        },
      },
    });
    await session.start();
    return session;
  }

  const reasons: Array<[string, number | undefined]> = [
    ['connectionClosed', DisconnectReason.connectionClosed],
    ['connectionLost / timedOut', DisconnectReason.connectionLost],
    ['connectionReplaced', DisconnectReason.connectionReplaced],
    ['badSession', DisconnectReason.badSession],
    ['multideviceMismatch', DisconnectReason.multideviceMismatch],
    ['forbidden', DisconnectReason.forbidden],
    ['unavailableService', DisconnectReason.unavailableService],
    ['no status code', undefined],
  ];

  for (const [name, code] of reasons) {
    it(`reconnects after a backoff with jitter on ${name}`, async () => {
      const session = await started();
      sockets.latest().open();
      expect(session.state).toBe('connected');
      sockets.latest().close(code);
      const waiting = changes.at(-1)!;
      expect(waiting).toMatchObject({ state: 'reconnecting' });
      if (code !== undefined) expect(waiting.statusCode).toBe(code);
      // First attempt: between half and all of the base delay.
      expect(waiting.delayMs).toBeGreaterThanOrEqual(500);
      expect(waiting.delayMs).toBeLessThanOrEqual(1_000);
      expect(sockets.sockets).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(waiting.delayMs! - 1);
      expect(sockets.sockets).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(sockets.sockets).toHaveLength(2);
      expect(changes.at(-1)).toMatchObject({ state: 'connecting', reason: 'reconnect' });
      sockets.latest().open();
      expect(session.state).toBe('connected');
    });
  }

  it('backs off further with every failed attempt, up to the maximum, and starts over after an open', async () => {
    await started();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      sockets.latest().close(DisconnectReason.connectionLost);
      const delay = changes.at(-1)!.delayMs!;
      delays.push(delay);
      await vi.advanceTimersByTimeAsync(delay);
    }
    // Ceilings 1, 2, 4, 8, 8, 8 s; each delay lies in the upper half of its ceiling.
    [1_000, 2_000, 4_000, 8_000, 8_000, 8_000].forEach((ceiling, index) => {
      expect(delays[index]).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delays[index]).toBeLessThanOrEqual(ceiling);
    });
    sockets.latest().open();
    sockets.latest().close(DisconnectReason.connectionLost);
    expect(changes.at(-1)!.delayMs).toBeLessThanOrEqual(1_000);
  });

  it('draws the jitter at random, so gateways never reconnect in step', () => {
    const low = backoffDelay(3, { ...BACKOFF, random: () => 0 });
    const high = backoffDelay(3, { ...BACKOFF, random: () => 1 });
    expect([low, high]).toEqual([2_000, 4_000]);
    expect(decideOnClose({ output: { statusCode: 428 } }, 1, { ...BACKOFF, random: () => 0.5 })).toEqual({
      action: 'reconnect',
      statusCode: 428,
      delayMs: 750,
      reason: 'connection closed',
    });
  });

  it('creates a new socket at once when WhatsApp asks for a restart (515 after the first scan)', async () => {
    const session = await started();
    // The recorded pairing sequence: two QR codes, the scan, 515, a new socket that opens.
    const events = readFileSync(
      '/work/shared/fixtures/whatsapp-baileys/connection_update_qr_login.jsonl',
      'utf8',
    )
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: 'connection.update' | 'creds.update'; data: never });
    for (const { event, data } of events) {
      if (event === 'connection.update' && (data as { connection?: string }).connection === 'open') {
        sockets.latest().open();
      } else {
        sockets.latest().emit(event, data);
      }
    }
    expect(qrs).toHaveLength(2);
    expect(sockets.sockets).toHaveLength(2);
    expect(changes.map((change) => [change.state, change.reason])).toEqual([
      ['connecting', 'new link'],
      ['pairing', 'qr'],
      ['connecting', 'restart required'],
      ['connected', 'open'],
    ]);
    expect(changes.at(-1)!.phone).toBe('+15550009999');
    expect(session.state).toBe('connected');
    // The credentials Baileys updated were saved.
    await vi.waitFor(() =>
      expect(JSON.parse(storage.entries.get('creds') ?? '{}').me?.id).toBe('15550009999:12@s.whatsapp.net'),
    );
  });

  it('on logged out deletes the stored link, reports it and never reconnects', async () => {
    const session = await started();
    sockets.latest().open();
    await vi.waitFor(() => expect(storage.entries.has('creds')).toBe(true));
    const fixture = JSON.parse(
      readFileSync('/work/shared/fixtures/whatsapp-baileys/connection_close_logged_out.json', 'utf8'),
    );
    sockets.latest().emit('connection.update', fixture.data);
    await vi.waitFor(() => expect(session.state).toBe('logged_out'));
    expect(changes.at(-1)).toMatchObject({ state: 'logged_out', statusCode: 401 });
    expect(storage.entries.size).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(sockets.sockets).toHaveLength(1);
  });

  it('replaces a socket that is open but deaf, and leaves one alone that hears keep-alives', async () => {
    const session = await started();
    sockets.latest().open();
    // Keep-alive answers every 20 s for five minutes: never deaf.
    for (let second = 0; second < 300; second += 20) {
      await vi.advanceTimersByTimeAsync(20_000);
      sockets.latest().ws.emit('message', Buffer.alloc(8));
    }
    expect(sockets.latest().ended).toBe(false);
    expect(session.state).toBe('connected');
    // Then silence: within a quarter period past the limit the socket is replaced.
    await vi.advanceTimersByTimeAsync(DEAF_MS + DEAF_MS / 4);
    const deaf = sockets.sockets[0]!;
    expect(deaf.ended).toBe(true);
    const deafAt = changes.findIndex((change) => change.reason.startsWith('deaf socket'));
    expect(deafAt).toBeGreaterThan(0);
    expect(changes.slice(deafAt + 1).map((change) => change.state)).toEqual(['reconnecting', 'connecting']);
    expect(sockets.sockets).toHaveLength(2);
    sockets.latest().open();
    expect(session.state).toBe('connected');
  });
});
