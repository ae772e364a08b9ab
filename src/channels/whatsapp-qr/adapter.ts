import { AppError } from '../../core/errors.ts';
import type { ChannelAdapter } from '../types.ts';
import { prepareWhatsAppQrConfig, TENANT_FIELD, whatsappQrConnector } from './config.ts';

/** WhatsApp's limit for one text message; the dispatcher splits longer replies. */
const MAX_TEXT_LENGTH = 4096;

/**
 * What staff may send as a file: types WhatsApp shows inline (image, video, audio) or as a
 * document, up to WhatsApp's 16 MB media limit (documents may be larger there, not here).
 */
export const WHATSAPP_QR_MEDIA = {
  mimeTypes: [
    'image/jpeg',
    'image/png',
    'video/mp4',
    'audio/ogg',
    'audio/mpeg',
    'audio/mp4',
    'application/pdf',
  ],
  maxBytes: 16 * 1024 * 1024,
} as const;

const notConnected = () =>
  new AppError('PROVIDER_UNAVAILABLE', 'WhatsApp (QR) is not linked in this gateway; connect it first');

/**
 * WhatsApp linked as a device (Baileys): no webhooks, a live socket per linked number that
 * the gateway's session manager holds (`ProviderEnvironment.whatsappQr`). Inbound messages
 * arrive over that socket and are stored by the session manager; this adapter sends replies
 * and acknowledges messages through it. Pacing happens in the session (per number, with
 * jitter and typing time), so the dispatcher adds none.
 */
export const whatsappQrAdapter: ChannelAdapter = {
  id: 'whatsapp_qr',
  connector: whatsappQrConnector,
  maxTextLength: MAX_TEXT_LENGTH,
  outboundMedia: WHATSAPP_QR_MEDIA,
  // Nothing is ever posted to a webhook for this channel: every request is refused as 415.
  contentTypes: [],
  prepareConfig: prepareWhatsAppQrConfig,
  verify: () => ({ ok: false, reason: 'WhatsApp (QR) has no webhook' }),
  parse: () => {
    throw new AppError('MALFORMED_PAYLOAD', 'WhatsApp (QR) has no webhook');
  },
  async send(message, context) {
    const tenantId = context.config[TENANT_FIELD];
    const links = context.environment.whatsappQr;
    if (!links || !tenantId) return { outcome: 'failed', error: notConnected() };
    return links.send(tenantId, message);
  },
  async acknowledgeInbound(inbound, context) {
    const tenantId = context.config[TENANT_FIELD];
    if (tenantId) await context.environment.whatsappQr?.acknowledge(tenantId, inbound);
  },
  async test(context) {
    const tenantId = context.config[TENANT_FIELD];
    const links = context.environment.whatsappQr;
    if (!links || !tenantId) return { ok: false, detail: 'not linked yet: connect and scan the QR code' };
    return links.check(tenantId);
  },
};
