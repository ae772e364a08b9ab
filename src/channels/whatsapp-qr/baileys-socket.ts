import type { makeCacheableSignalKeyStore } from '@whiskeysockets/baileys';
import { loadedBaileys } from './baileys.ts';
import type { SocketFactory } from './socket.ts';

/** Baileys' logger shape (pino's). */
type ILogger = Parameters<typeof makeCacheableSignalKeyStore>[1] & {};

/**
 * Real Baileys sockets. No history sync (the agent answers what arrives from now on), not
 * shown as "online" (the phone keeps its notifications), and the signal keys behind Baileys'
 * cache. `websocketUrl` replaces WhatsApp's endpoint (a loopback server in tests).
 */
export function baileysSocketFactory(options: { logger: ILogger; websocketUrl?: string }): SocketFactory {
  const { logger, websocketUrl } = options;
  return ({ auth }) => {
    // Loaded by then: a session reads its auth state, which loads Baileys, before any socket.
    const { Browsers, makeCacheableSignalKeyStore, makeWASocket } = loadedBaileys();
    return makeWASocket({
      auth: { creds: auth.creds, keys: makeCacheableSignalKeyStore(auth.keys, logger) },
      logger,
      browser: Browsers.ubuntu('Switchboard'),
      markOnlineOnConnect: false,
      syncFullHistory: false,
      ...(websocketUrl ? { waWebSocketUrl: websocketUrl } : {}),
    });
  };
}
