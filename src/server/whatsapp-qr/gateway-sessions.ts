import { baileysSocketFactory } from '../../channels/whatsapp-qr/baileys-socket.ts';
import { baileysDownloader } from '../../channels/whatsapp-qr/download.ts';
import type { BackoffOptions } from '../../channels/whatsapp-qr/reconnect.ts';
import { DEFAULT_PACING, type SendPacing } from '../../channels/whatsapp-qr/send-pacer.ts';
import type { MediaDownloader, SocketFactory, WhatsAppSocket } from '../../channels/whatsapp-qr/socket.ts';
import type { Config } from '../../core/config.ts';
import { createMediaStore } from './media-store.ts';
import { createWhatsAppQrSessions, type WhatsAppQrSessionsOptions } from './sessions.ts';

/** What tests replace: the socket (a stand-in that never reaches WhatsApp), media download, pacing, backoff. */
export interface WhatsAppQrOverrides {
  createSocket?: SocketFactory;
  downloader?: (socket: () => WhatsAppSocket | undefined) => MediaDownloader;
  pacing?: SendPacing;
  backoff?: BackoffOptions;
}

/** The gateway's WhatsApp (QR) sessions from its configuration: real Baileys sockets unless overridden. */
export function gatewayWhatsAppQrSessions(
  dependencies: { config: Config } & Pick<
    WhatsAppQrSessionsOptions,
    | 'db'
    | 'store'
    | 'keyRing'
    | 'clock'
    | 'events'
    | 'configs'
    | 'ingestor'
    | 'onIngested'
    | 'logger'
    | 'notifyLoggedOut'
  >,
  overrides: WhatsAppQrOverrides = {},
) {
  const { config, logger } = dependencies;
  const settings = config.whatsappQr;
  return createWhatsAppQrSessions({
    ...dependencies,
    createSocket:
      overrides.createSocket ??
      baileysSocketFactory({
        // Baileys logs message details below error level; those stay out of our logs.
        logger: logger.child({ channel: 'whatsapp_qr' }, { level: 'error' }),
        ...(settings.websocketUrl ? { websocketUrl: settings.websocketUrl } : {}),
      }),
    downloader: overrides.downloader ?? baileysDownloader,
    mediaStore: createMediaStore(config.dataDir),
    maxMediaBytes: settings.maxMediaBytes,
    leaseMs: settings.leaseMs,
    deafAfterMs: settings.deafAfterMs,
    pacing: overrides.pacing ?? { ...DEFAULT_PACING, sendsPerMinute: settings.sendsPerMinute },
    ...(overrides.backoff ? { backoff: overrides.backoff } : {}),
  });
}
