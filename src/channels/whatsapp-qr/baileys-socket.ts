import { Browsers, makeCacheableSignalKeyStore, makeWASocket } from '@whiskeysockets/baileys';
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
  return ({ auth }) =>
    makeWASocket({
      auth: { creds: auth.creds, keys: makeCacheableSignalKeyStore(auth.keys, logger) },
      logger,
      browser: Browsers.ubuntu('Switchboard'),
      markOnlineOnConnect: false,
      syncFullHistory: false,
      ...(websocketUrl ? { waWebSocketUrl: websocketUrl } : {}),
    });
}
