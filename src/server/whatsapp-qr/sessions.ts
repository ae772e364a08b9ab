import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { OutboundMedia } from '../../channels/types.ts';
import { humanPauseMs, TENANT_FIELD, whatsappQrConnector } from '../../channels/whatsapp-qr/config.ts';
import type { WhatsAppQrLinks } from '../../channels/whatsapp-qr/link.ts';
import type { BackoffOptions } from '../../channels/whatsapp-qr/reconnect.ts';
import { DEFAULT_PACING, type SendPacing } from '../../channels/whatsapp-qr/send-pacer.ts';
import {
  createSession,
  type SessionState,
  type SessionStateChange,
  type WhatsAppQrSession,
} from '../../channels/whatsapp-qr/session.ts';
import type { MediaDownloader, SocketFactory, WhatsAppSocket } from '../../channels/whatsapp-qr/socket.ts';
import { writeAudit } from '../../connectors/audit.ts';
import type { ConnectorConfigs } from '../../connectors/configs.ts';
import type { KeyRing } from '../../connectors/key-ring.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Ingestor } from '../../normalizer/ingestor.ts';
import type { JobHandler } from '../../queue/worker.ts';
import type { Db, DbTransaction, Store } from '../../store/index.ts';
import type { EventBus } from '../events.ts';
import { createAuthStorage } from './auth-storage.ts';
import { storeStatuses, storeUpsert } from './inbound.ts';
import { type LidMappings, loadLidMappings } from './lid-mappings.ts';
import type { MediaStore } from './media-store.ts';
import { createResumeAgentHandler, RESUME_AGENT_JOB, recordPhoneReply } from './phone-replies.ts';
import { createSessionLeases, type HeldLease } from './session-leases.ts';
import {
  createSessionRelay,
  type RelayedCommand,
  type RelayedPairing,
  type SessionRelay,
} from './session-relay.ts';

/** What the pairing stream tells the browser. */
export type PairingEvent =
  | { type: 'state'; state: SessionState; reason: string }
  | { type: 'qr'; qr: string; dataUrl: string };

export interface SessionStatus {
  state: SessionState | 'disconnected';
  phone: string | null;
  connectedSince: string | null;
  lastEventAt: string | null;
  /** Whether this process holds the session (another may, in scale-out). */
  heldHere: boolean;
}

export interface WhatsAppQrSessionsOptions {
  db: Db;
  /** Its LISTEN (PostgreSQL) joins the processes: pairing changes and staff commands reach the holder. */
  store: Pick<Store, 'listen'>;
  keyRing: KeyRing;
  clock: Clock;
  events: EventBus;
  configs: ConnectorConfigs;
  ingestor: Ingestor;
  onIngested(): void;
  createSocket: SocketFactory;
  /** Media download for a session's socket (Baileys' own by default). */
  downloader(socket: () => WhatsAppSocket | undefined): MediaDownloader;
  mediaStore: MediaStore;
  maxMediaBytes: number;
  leaseMs: number;
  deafAfterMs: number;
  pacing?: SendPacing;
  backoff?: BackoffOptions;
  logger: FastifyBaseLogger;
  /** Queues the staff notice that the phone logged the link out, in the given transaction. */
  notifyLoggedOut?(
    tx: DbTransaction,
    request: { tenantId: string; channel: string; channelName: string },
  ): Promise<void>;
}

interface Held {
  session: WhatsAppQrSession;
  lease: HeldLease;
  mappings: LidMappings;
}

/** How often `lastEventAt` is written at most, per session: each message must not cost a write. */
const EVENT_TIME_WRITE_MS = 30_000;

/**
 * The WhatsApp (QR) sessions of this process. Each linked number is held by one process
 * through a lease (heartbeat every third of its length); a process that loses it stops its
 * socket, and every send first confirms the lease's fencing token. Sessions that were linked
 * are taken up again by whichever process gets the lease, after a restart or when their
 * holder died. State changes are audited, stored for the catalog and streamed to pairing
 * clients in every process; staff commands sent to a process that does not hold the session
 * are passed to the one that does. A logout by the phone marks the connector `error` and
 * tells staff live and by mail.
 */
export function createWhatsAppQrSessions(options: WhatsAppQrSessionsOptions) {
  const { db, keyRing, clock, events, configs, logger } = options;
  const owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  const leases = createSessionLeases({ db, owner, leaseMs: options.leaseMs, now: () => clock.now() });
  const held = new Map<string, Held>();
  const starting = new Map<string, Promise<Held>>();
  const listeners = new Map<string, Set<(event: PairingEvent) => void>>();
  /** The QR of each tenant now pairing, wherever its session is held: a new pairing client sees it first. */
  const lastQr = new Map<string, PairingEvent>();
  let relay: SessionRelay | undefined;
  let delivery: Promise<unknown> = Promise.resolve();
  const lastEventWrite = new Map<string, number>();
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;
  let auditChain: Promise<unknown> = Promise.resolve();

  /** Hands a pairing change to this process's pairing clients, in the order the changes came. */
  function deliver(tenantId: string, pairing: RelayedPairing): void {
    delivery = delivery
      .then(async () => {
        const event: PairingEvent =
          pairing.type === 'qr' ? { ...pairing, dataUrl: await qrDataUrl(pairing.qr) } : pairing;
        if (event.type === 'qr') lastQr.set(tenantId, event);
        else if (event.state !== 'pairing') lastQr.delete(tenantId);
        for (const listener of listeners.get(tenantId) ?? []) listener(event);
      })
      .catch((error) => logger.error({ err: error, tenantId }, 'whatsapp_qr pairing change not shown'));
  }

  /** Announces a pairing change of a session held here to every process's pairing clients. */
  function announce(tenantId: string, pairing: RelayedPairing): void {
    if (!relay) {
      deliver(tenantId, pairing);
      return;
    }
    relay
      .pairing(tenantId, pairing)
      .catch((error) => logger.error({ err: error, tenantId }, 'whatsapp_qr pairing change not relayed'));
  }

  function onState(tenantId: string, lease: HeldLease, change: SessionStateChange): void {
    announce(tenantId, { type: 'state', state: change.state, reason: change.reason });
    auditChain = auditChain
      .then(() => persistState(tenantId, lease, change))
      .catch((error) => logger.error({ err: error, tenantId }, 'whatsapp_qr state not recorded'));
  }

  /** Audits a state change and records it for the catalog, if this process still holds the lease. */
  async function persistState(tenantId: string, lease: HeldLease, change: SessionStateChange): Promise<void> {
    const now = new Date(clock.now());
    const fenced = { tenantId, owner, fencingToken: lease.fencingToken };
    await db.whatsappQrSession.updateMany({
      where: fenced,
      data: {
        state: change.state,
        lastEventAt: now,
        ...(change.state === 'connected' ? { connectedSince: now, phone: change.phone ?? null } : {}),
        ...(change.state === 'logged_out' ? { phone: null, connectedSince: null } : {}),
      },
    });
    await writeAudit(db, {
      tenantId,
      actor: 'whatsapp_qr',
      action: 'whatsapp_qr.state_changed',
      target: 'whatsapp_qr',
      details: {
        state: change.state,
        reason: change.reason,
        ...(change.statusCode !== undefined ? { statusCode: change.statusCode } : {}),
        ...(change.delayMs !== undefined ? { delayMs: change.delayMs } : {}),
      },
    });
    if (change.state === 'connected') {
      await configs.setStatus(
        tenantId,
        whatsappQrConnector.id,
        'connected',
        `linked to ${change.phone ?? 'WhatsApp'}`,
      );
    }
    if (change.state === 'logged_out') {
      held.delete(tenantId);
      await leases.release(lease);
      await configs.setStatus(
        tenantId,
        whatsappQrConnector.id,
        'error',
        'logged out: link again with a new QR code',
      );
      // Staff see it live in the workspace; the audit entry above is the lasting record.
      await events.publish(db, {
        type: 'channel.state',
        tenantId,
        channel: whatsappQrConnector.id,
        state: 'logged_out',
      });
      // And by mail (the tenant's SMTP `notify_email`), since nobody may be looking at the workspace.
      const notify = options.notifyLoggedOut;
      if (notify) {
        await db.$transaction((tx) =>
          notify(tx, { tenantId, channel: whatsappQrConnector.id, channelName: whatsappQrConnector.name }),
        );
      }
    }
  }

  function touch(tenantId: string): void {
    const now = clock.now();
    if (now - (lastEventWrite.get(tenantId) ?? 0) < EVENT_TIME_WRITE_MS) return;
    lastEventWrite.set(tenantId, now);
    void db.whatsappQrSession
      .updateMany({ where: { tenantId, owner }, data: { lastEventAt: new Date(now) } })
      .catch(() => {});
  }

  async function startHeld(tenantId: string, lease: HeldLease): Promise<Held> {
    const mappings = await loadLidMappings(db, tenantId);
    const session = createSession({
      storage: createAuthStorage({ db, keyRing, tenantId }),
      createSocket: options.createSocket,
      deafAfterMs: options.deafAfterMs,
      pacing: options.pacing ?? DEFAULT_PACING,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      handlers: {
        onState: (change) => onState(tenantId, lease, change),
        onQr: (qr) => announce(tenantId, { type: 'qr', qr }),
        onMessages: async (upsert) => {
          touch(tenantId);
          await storeUpsert(
            {
              tenantId,
              session,
              mappings,
              ingestor: options.ingestor,
              onIngested: options.onIngested,
              download: options.downloader(() => session.socket()),
              mediaStore: options.mediaStore,
              maxMediaBytes: options.maxMediaBytes,
              onPhoneReply: async (reply) => {
                const config = await configs.load(tenantId, whatsappQrConnector);
                await recordPhoneReply(
                  { db, clock, events },
                  { ...reply, pauseMs: humanPauseMs(config?.values) },
                );
              },
            },
            upsert,
          );
        },
        onMessageUpdates: (updates) => storeStatuses({ tenantId, ingestor: options.ingestor }, updates),
        onLidMapping: async (mapping) => {
          const lid = mapping.lid.includes('@') ? mapping.lid : `${mapping.lid}@lid`;
          const phone = `+${mapping.pn.split('@')[0]!.split(':')[0]}`;
          await mappings.learn(lid, phone);
        },
        onError: (error, where) =>
          logger.error({ err: error, tenantId, where }, 'whatsapp_qr event handling failed'),
      },
    });
    const entry = { session, lease, mappings };
    held.set(tenantId, entry);
    await session.start();
    return entry;
  }

  /** Takes the tenant's session here if its lease is free; resolves to it, or undefined. */
  async function takeUp(tenantId: string): Promise<Held | undefined> {
    const existing = held.get(tenantId);
    if (existing) return existing;
    const pending = starting.get(tenantId);
    if (pending) return pending;
    const lease = await leases.acquire(tenantId);
    if (!lease) return undefined;
    const started = startHeld(tenantId, lease).finally(() => starting.delete(tenantId));
    starting.set(tenantId, started);
    return started;
  }

  /** Renews held leases (stopping sessions whose lease was lost) and takes up orphaned linked sessions. */
  async function beat(): Promise<void> {
    for (const [tenantId, entry] of held) {
      if (await leases.renew(entry.lease).catch(() => true)) continue;
      held.delete(tenantId);
      entry.session.stop();
      logger.warn({ tenantId }, 'whatsapp_qr lease lost: session stopped here');
    }
    const orphans = await db.whatsappQrSession.findMany({
      where: {
        phone: { not: null },
        state: { not: 'logged_out' },
        OR: [{ owner: null }, { leaseExpiresAt: { lt: BigInt(clock.now()) } }],
      },
      select: { tenantId: true },
      take: 50,
    });
    for (const { tenantId } of orphans) {
      if (closed) return;
      await takeUp(tenantId).catch((error) =>
        logger.error({ err: error, tenantId }, 'whatsapp_qr take-up failed'),
      );
    }
  }

  function scheduleBeat(): void {
    if (closed) return;
    heartbeat = setTimeout(
      () => {
        void beat()
          .catch((error) => logger.error({ err: error }, 'whatsapp_qr heartbeat failed'))
          .finally(scheduleBeat);
      },
      Math.max(50, Math.floor(options.leaseMs / 3)),
    );
    heartbeat.unref?.();
  }

  /** Passes a command to the process holding the session; CONFLICT when none can (one process, or none answers). */
  async function elsewhere(tenantId: string, request: RelayedCommand): Promise<string> {
    const row = await db.whatsappQrSession.findUnique({
      where: { tenantId },
      select: { owner: true, leaseExpiresAt: true },
    });
    const heldElsewhere = row?.owner && Number(row.leaseExpiresAt) > clock.now();
    if (relay?.shared && heldElsewhere) return relay.request(tenantId, request);
    throw new AppError('CONFLICT', 'WhatsApp (QR) is not running in any gateway process; connect it first');
  }

  /** A command from another process, for a session held here. */
  async function carryOut(tenantId: string, request: RelayedCommand): Promise<string> {
    if (request.command === 'pairing_code') return sessions.pairingCode(tenantId, request.phone);
    if (request.command === 'connect') await sessions.connect(tenantId, request.actor);
    else await sessions.logout(tenantId, request.actor);
    return '';
  }

  /** Baileys' content for a file staff sent: read from the media store, only from the tenant's own folder. */
  async function mediaContent(
    tenantId: string,
    media: OutboundMedia,
    caption: string,
  ): Promise<Parameters<WhatsAppQrSession['send']>[1]> {
    if (!media.storeId.startsWith(`${tenantId}/`))
      throw new AppError('PROVIDER_REJECTED', 'the file belongs to another tenant');
    const bytes = await readFile(options.mediaStore.pathOf(media.storeId)).catch((error) => {
      throw new AppError('PROVIDER_REJECTED', 'the file to send is no longer stored', { cause: error });
    });
    const mimetype = media.mimeType;
    const captioned = caption ? { caption } : {};
    if (media.mediaType === 'image') return { image: bytes, mimetype, ...captioned };
    if (media.mediaType === 'video') return { video: bytes, mimetype, ...captioned };
    if (media.mediaType === 'audio') return { audio: bytes, mimetype };
    return { document: bytes, mimetype, fileName: media.fileName ?? 'document', ...captioned };
  }

  const links: WhatsAppQrLinks = {
    async send(tenantId, message) {
      const entry = held.get(tenantId);
      if (entry?.session.state !== 'connected') {
        return {
          outcome: 'failed',
          error: new AppError(
            'PROVIDER_UNAVAILABLE',
            'WhatsApp (QR) is not connected in this gateway process',
          ),
        };
      }
      try {
        const content = message.media
          ? await mediaContent(tenantId, message.media, message.text)
          : { text: message.text };
        const id = await entry.session.send(message.chatId, content, () => leases.confirm(entry.lease));
        return { outcome: 'sent', providerMessageId: id };
      } catch (error) {
        if (error instanceof AppError) return { outcome: 'failed', error };
        // The socket may have taken the message before failing: not retried blindly.
        return {
          outcome: 'failed',
          error: new AppError('NETWORK_ERROR', 'WhatsApp (QR) failed while sending', { cause: error }),
        };
      }
    },
    async acknowledge(tenantId, inbound) {
      await held
        .get(tenantId)
        ?.session.acknowledge({ remoteJid: inbound.chatId, id: inbound.providerMessageId, fromMe: false });
    },
    async check(tenantId) {
      const status = await sessions.status(tenantId);
      return status.state === 'connected'
        ? { ok: true, detail: `linked to ${status.phone ?? 'WhatsApp'} since ${status.connectedSince}` }
        : { ok: false, detail: `not connected (${status.state})` };
    },
  };

  const sessions = {
    owner,
    links,
    leases,

    /**
     * Joins the other gateway processes (on PostgreSQL) and starts the heartbeat that keeps
     * leases and takes up linked sessions without a holder.
     */
    async start(): Promise<void> {
      relay = await createSessionRelay({
        db,
        store: options.store,
        handlers: { onPairing: deliver, holds: (tenantId) => held.has(tenantId), carryOut },
        onError: (error) => logger.error({ err: error }, 'whatsapp_qr relay failed'),
      });
      scheduleBeat();
    },

    /**
     * Starts linking (or resumes a stored link) in this process and claims the session.
     * Throws CONFLICT when another process holds it.
     */
    async connect(tenantId: string, actor: string): Promise<SessionStatus> {
      const config = await configs.load(tenantId, whatsappQrConnector);
      if (config?.values[TENANT_FIELD] !== tenantId) {
        await configs.save(
          tenantId,
          whatsappQrConnector,
          { ...(config?.values ?? {}), [TENANT_FIELD]: tenantId },
          config?.status ?? 'configured',
          config?.statusDetail ?? null,
        );
      }
      let entry = held.get(tenantId);
      if (entry && (entry.session.state === 'logged_out' || entry.session.state === 'stopped')) {
        held.delete(tenantId);
        entry = undefined;
      }
      entry ??= await takeUp(tenantId);
      if (!entry) {
        // Another process holds it: that one starts the link (and audits it).
        await elsewhere(tenantId, { command: 'connect', actor });
        return sessions.status(tenantId);
      }
      await writeAudit(db, { tenantId, actor, action: 'whatsapp_qr.connect', target: 'whatsapp_qr' });
      return sessions.status(tenantId);
    },

    async pairingCode(tenantId: string, phone: string): Promise<string> {
      const entry = held.get(tenantId);
      if (!entry) return elsewhere(tenantId, { command: 'pairing_code', phone });
      try {
        return await entry.session.requestPairingCode(phone);
      } catch (error) {
        throw new AppError('CONFLICT', `no pairing code: ${(error as Error).message}`);
      }
    },

    async logout(tenantId: string, actor: string): Promise<void> {
      const entry = held.get(tenantId);
      if (!entry) {
        await elsewhere(tenantId, { command: 'logout', actor });
        return;
      }
      await writeAudit(db, { tenantId, actor, action: 'whatsapp_qr.logout', target: 'whatsapp_qr' });
      await entry.session.logout();
    },

    async status(tenantId: string): Promise<SessionStatus> {
      const row = await db.whatsappQrSession.findUnique({ where: { tenantId } });
      return {
        state: (held.get(tenantId)?.session.state ?? row?.state ?? 'disconnected') as SessionStatus['state'],
        phone: row?.phone ?? null,
        connectedSince: row?.connectedSince?.toISOString() ?? null,
        lastEventAt: row?.lastEventAt?.toISOString() ?? null,
        heldHere: held.has(tenantId),
      };
    },

    /** Calls `listener` with each state change and QR of the tenant's session; the current QR first. */
    subscribe(tenantId: string, listener: (event: PairingEvent) => void): () => void {
      const set = listeners.get(tenantId) ?? new Set();
      listeners.set(tenantId, set);
      set.add(listener);
      const current = lastQr.get(tenantId);
      if (current) listener(current);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(tenantId);
      };
    },

    jobHandlers: { [RESUME_AGENT_JOB]: createResumeAgentHandler({ db, events }) } satisfies Record<
      string,
      JobHandler
    >,

    /** Stops every session here and hands their leases back, so another process can take over at once. */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(heartbeat);
      for (const entry of held.values()) {
        entry.session.stop();
        await leases.release(entry.lease).catch(() => {});
      }
      held.clear();
      await auditChain;
      await relay?.close();
    },
  };
  return sessions;
}

export type WhatsAppQrSessions = ReturnType<typeof createWhatsAppQrSessions>;

/** The QR code as an image; the encoder is imported when a pairing first shows a code, not at start-up. */
async function qrDataUrl(qr: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toDataURL(qr);
}
