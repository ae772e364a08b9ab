import type { AnyMessageContent, BaileysEventMap, WAMessageKey } from '@whiskeysockets/baileys';
import { type AuthStateStorage, loadAuthState, type StoredAuthState } from './auth-state.ts';
import { loadBaileys } from './baileys.ts';
import { addressOf, type PersonAddress } from './jid.ts';
import { type BackoffOptions, type CloseDecision, DEFAULT_BACKOFF, decideOnClose } from './reconnect.ts';
import { createSendPacer, type SendPacing } from './send-pacer.ts';
import type { SocketFactory, WhatsAppSocket } from './socket.ts';
import { startWatchdog, type Watchdog } from './watchdog.ts';

export type SessionState = 'connecting' | 'pairing' | 'connected' | 'reconnecting' | 'logged_out' | 'stopped';

/** One change of the link's state, with why; audited by the caller. */
export interface SessionStateChange {
  state: SessionState;
  /** What caused it: `qr`, `open`, `restart required`, `deaf socket`, a disconnect reason… */
  reason: string;
  statusCode?: number;
  /** For `reconnecting`: when the next socket is created. */
  delayMs?: number;
  /** For `connected`: the linked number (`+…`). */
  phone?: string;
}

export interface SessionHandlers {
  onState(change: SessionStateChange): void;
  /** A new QR code to show; WhatsApp rotates it every 20 s or so until one is scanned. */
  onQr(qr: string): void;
  onMessages(upsert: BaileysEventMap['messages.upsert']): Promise<void>;
  onMessageUpdates(updates: BaileysEventMap['messages.update']): Promise<void>;
  onLidMapping(mapping: BaileysEventMap['lid-mapping.update']): Promise<void>;
  /** A handler failed; the session carries on (Baileys would otherwise swallow it). */
  onError(error: unknown, where: string): void;
}

export interface SessionOptions {
  storage: AuthStateStorage;
  createSocket: SocketFactory;
  handlers: SessionHandlers;
  backoff?: BackoffOptions;
  /** No frame for this long on an open socket: it is deaf and is replaced. */
  deafAfterMs: number;
  pacing: SendPacing;
}

export interface WhatsAppQrSession {
  readonly state: SessionState;
  /** The linked account's number and LID, once paired. */
  self(): PersonAddress;
  /** The current socket, for lookups (LID mapping); undefined between sockets. */
  socket(): WhatsAppSocket | undefined;
  start(): Promise<void>;
  /** Ends the socket for good (shutdown, lease lost); the stored link stays. */
  stop(): void;
  /** Unlinks the device at WhatsApp and deletes the stored link. */
  logout(): Promise<void>;
  requestPairingCode(phone: string): Promise<string>;
  /**
   * Sends one message, paced: "composing" while the pacing slot and a typing time pass, then
   * `guard()` (which throws when this process may no longer send), then the message. Returns
   * its WhatsApp id. The id is chosen here, so the echo Baileys emits is recognised as ours.
   */
  send(jid: string, content: AnyMessageContent, guard: () => Promise<void>): Promise<string>;
  /** Whether this session sent the message with this id (its echo is not the phone's). */
  sentByUs(id: string): boolean;
  /** Blue ticks for an inbound message and "composing" while the agent works; best effort. */
  acknowledge(key: WAMessageKey): Promise<void>;
}

/** How many of our own message ids are remembered to recognise their echoes. */
const REMEMBERED_SENDS = 1_000;

/**
 * One linked WhatsApp account: creates Baileys sockets through `createSocket`, keeps the auth
 * state in `storage`, and keeps the link alive. Every close except logged-out creates a new
 * socket after a backoff with jitter (at once when WhatsApp asks for a restart); logged-out
 * deletes the stored link and stops. A watchdog replaces a socket that is open but silent.
 * Every state change is reported to `handlers.onState`.
 */
export function createSession(options: SessionOptions): WhatsAppQrSession {
  const { storage, createSocket, handlers, deafAfterMs } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const pacer = createSendPacer(options.pacing);
  let state: SessionState = 'stopped';
  let auth: StoredAuthState | undefined;
  let current: WhatsAppSocket | undefined;
  let watchdog: Watchdog | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let attempt = 0;
  let stopped = false;
  let credsWrite: Promise<void> = Promise.resolve();
  const ourIds = new Set<string>();
  // Sends still under way per chat: "paused" only when the last of them is out, so a second
  // message waiting for its pacing slot is not shown as "stopped typing".
  const sendsUnderWay = new Map<string, number>();

  function change(next: SessionStateChange): void {
    state = next.state;
    handlers.onState(next);
  }

  function self(): PersonAddress {
    const me = auth?.state.creds.me;
    return me ? addressOf(me.id, me.lid) : {};
  }

  function guarded<T>(where: string, run: (value: T) => Promise<void> | void) {
    return (value: T) => {
      watchdog?.traffic();
      try {
        void Promise.resolve(run(value)).catch((error) => handlers.onError(error, where));
      } catch (error) {
        handlers.onError(error, where);
      }
    };
  }

  function open(): void {
    if (stopped || !auth) return;
    const socket = createSocket({ auth: auth.state });
    current = socket;
    const mine = (run: () => void) => () => {
      if (current === socket) run();
    };
    socket.ws?.on(
      'message',
      mine(() => watchdog?.traffic()),
    );
    socket.ev.on(
      'creds.update',
      guarded('creds.update', () => {
        // Saved in order: a later write must never be overtaken by an earlier one.
        credsWrite = credsWrite.then(() => auth?.saveCreds());
        return credsWrite;
      }),
    );
    socket.ev.on(
      'connection.update',
      guarded('connection.update', (update) => {
        if (current !== socket) return;
        if (update.qr) {
          if (state !== 'pairing') change({ state: 'pairing', reason: 'qr' });
          handlers.onQr(update.qr);
        }
        if (update.connection === 'open') {
          attempt = 0;
          watchdog?.stop();
          watchdog = startWatchdog({ deafAfterMs, onDeaf: (silentMs) => replaceDeaf(socket, silentMs) });
          const phone = self().phone;
          change({ state: 'connected', reason: 'open', ...(phone ? { phone } : {}) });
        }
        if (update.connection === 'close') closed(socket, update.lastDisconnect?.error);
      }),
    );
    socket.ev.on(
      'messages.upsert',
      guarded('messages.upsert', (upsert) => handlers.onMessages(upsert)),
    );
    socket.ev.on(
      'messages.update',
      guarded('messages.update', (updates) => handlers.onMessageUpdates(updates)),
    );
    socket.ev.on(
      'lid-mapping.update',
      guarded('lid-mapping.update', (mapping) => handlers.onLidMapping(mapping)),
    );
  }

  function closed(socket: WhatsAppSocket, error: unknown): void {
    if (current !== socket) return;
    current = undefined;
    watchdog?.stop();
    watchdog = undefined;
    if (stopped) return;
    attempt += 1;
    const decision: CloseDecision = decideOnClose(error, attempt, backoff);
    if (decision.action === 'logged_out') {
      stopped = true;
      void storage
        .clear()
        .catch((failure) => handlers.onError(failure, 'clearing the auth state'))
        .finally(() =>
          change({ state: 'logged_out', reason: 'logged out', statusCode: decision.statusCode }),
        );
      return;
    }
    if (decision.action === 'restart') {
      change({ state: 'connecting', reason: 'restart required', statusCode: decision.statusCode });
      open();
      return;
    }
    change({
      state: 'reconnecting',
      reason: decision.reason,
      ...(decision.statusCode !== undefined ? { statusCode: decision.statusCode } : {}),
      delayMs: decision.delayMs,
    });
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (stopped) return;
      change({ state: 'connecting', reason: 'reconnect' });
      open();
    }, decision.delayMs);
  }

  /** The socket went silent: close it; its close event brings the normal reconnect. */
  function replaceDeaf(socket: WhatsAppSocket, silentMs: number): void {
    if (current !== socket) return;
    handlers.onState({ state, reason: `deaf socket: no traffic for ${Math.round(silentMs / 1000)} s` });
    socket.end(new Error('deaf socket'));
    // A socket that does not report its own close is treated as closed now.
    if (current === socket) closed(socket, new Error('deaf socket'));
  }

  function requireSocket(): WhatsAppSocket {
    if (!current || state !== 'connected') throw new Error('WhatsApp is not connected');
    return current;
  }

  return {
    get state() {
      return state;
    },
    self,
    socket: () => current,
    async start() {
      stopped = false;
      auth = await loadAuthState(storage);
      attempt = 0;
      change({ state: 'connecting', reason: auth.registered ? 'resume' : 'new link' });
      open();
    },
    stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      watchdog?.stop();
      const socket = current;
      current = undefined;
      socket?.end(undefined);
      if (state !== 'logged_out') change({ state: 'stopped', reason: 'stopped' });
    },
    async logout() {
      stopped = true;
      clearTimeout(reconnectTimer);
      watchdog?.stop();
      const socket = current;
      current = undefined;
      await socket?.logout().catch((error) => handlers.onError(error, 'logout'));
      socket?.end(undefined);
      await storage.clear();
      change({ state: 'logged_out', reason: 'logged out by staff' });
    },
    async requestPairingCode(phone) {
      if (!current || !auth || auth.state.creds.registered) throw new Error('no link is waiting for pairing');
      return current.requestPairingCode(phone.replace(/\D/g, ''));
    },
    async send(jid, content, guard) {
      const socket = requireSocket();
      // The typing time of a file is that of its caption.
      const written = 'text' in content ? content.text : 'caption' in content ? content.caption : '';
      const text = typeof written === 'string' ? written : '';
      sendsUnderWay.set(jid, (sendsUnderWay.get(jid) ?? 0) + 1);
      try {
        await socket.sendPresenceUpdate('composing', jid).catch(() => {});
        await pacer.wait(text.length);
        await guard();
        const { generateMessageIDV2 } = await loadBaileys();
        const messageId = generateMessageIDV2(self().phone?.slice(1));
        ourIds.add(messageId);
        if (ourIds.size > REMEMBERED_SENDS) ourIds.delete(ourIds.values().next().value!);
        const sent = await requireSocket().sendMessage(jid, content, { messageId });
        return sent?.key.id ?? messageId;
      } finally {
        const left = (sendsUnderWay.get(jid) ?? 1) - 1;
        if (left > 0) sendsUnderWay.set(jid, left);
        else {
          sendsUnderWay.delete(jid);
          await socket.sendPresenceUpdate('paused', jid).catch(() => {});
        }
      }
    },
    sentByUs: (id) => ourIds.has(id),
    async acknowledge(key) {
      const socket = current;
      if (!socket || state !== 'connected') return;
      await socket.readMessages([key]).catch(() => {});
      if (key.remoteJid) await socket.sendPresenceUpdate('composing', key.remoteJid).catch(() => {});
    },
  };
}
