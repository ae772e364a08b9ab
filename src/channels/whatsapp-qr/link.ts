import type { ConnectionCheck } from '../../core/connector.ts';
import type { OutboundMessage, SendResult } from '../types.ts';

/**
 * What the adapter needs from the process's WhatsApp (QR) sessions, which the gateway holds
 * (one live socket per linked number, owned through a lease). Reaches the adapter through
 * `ProviderEnvironment.whatsappQr`.
 */
export interface WhatsAppQrLinks {
  /** Sends through the tenant's session, if this process owns it; never throws. */
  send(tenantId: string, message: OutboundMessage): Promise<SendResult>;
  /** Read receipt and "composing" for an inbound message; best effort. */
  acknowledge(tenantId: string, inbound: { chatId: string; providerMessageId: string }): Promise<void>;
  /** The link's state as staff should read it. */
  check(tenantId: string): Promise<ConnectionCheck>;
}
