/**
 * WhatsApp Cloud and Twilio SMS webhook bodies for the load, next to the Telegram updates
 * in updates.ts. Delivery n is always the same bytes, so its message ids are known
 * afterwards and the database check can find them.
 */
import { createHmac } from 'node:crypto';
import { FAKE_APP_SECRET, FAKE_WHATSAPP } from '../../test/fakes/meta-graph.ts';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  signTwilioRequest,
} from '../../test/fakes/twilio-api.ts';

/** Text messages in each WhatsApp batch (one entry, one change). */
export const WHATSAPP_BATCH_SIZE = 5;

/** The WhatsApp sender (wa_id) of message k of batch n: senders rotate over `senders` numbers. */
export function whatsappSenderOf(batch: number, index: number, senders: number): string {
  return `1555100${String((batch * WHATSAPP_BATCH_SIZE + index) % senders).padStart(4, '0')}`;
}

/** The `wamid` ids of batch n's messages, which the gateway stores as provider message ids. */
export function whatsappMessageIdsOf(batch: number): string[] {
  return Array.from({ length: WHATSAPP_BATCH_SIZE }, (_, index) => `wamid.bench.${batch}.${index}`);
}

/** A Meta batch of WHATSAPP_BATCH_SIZE distinct text messages, with its `X-Hub-Signature-256`. */
export function whatsappBatch(batch: number, senders: number): { body: string; signature: string } {
  const ids = whatsappMessageIdsOf(batch);
  const from = ids.map((_, index) => whatsappSenderOf(batch, index, senders));
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '200000000000001',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: FAKE_WHATSAPP.displayPhoneNumber,
                phone_number_id: FAKE_WHATSAPP.phoneNumberId,
              },
              contacts: [...new Set(from)].map((waId) => ({ profile: { name: 'Ada Bench' }, wa_id: waId })),
              messages: ids.map((id, index) => ({
                from: from[index],
                id,
                timestamp: '1767268800',
                type: 'text',
                text: { body: `hello from the bench, batch ${batch} message ${index}` },
              })),
            },
          },
        ],
      },
    ],
  });
  return { body, signature: `sha256=${createHmac('sha256', FAKE_APP_SECRET).update(body).digest('hex')}` };
}

/** The MessageSid of SMS n: two letters and 32 hex digits, as Twilio's. */
export function smsSidOf(n: number): string {
  return `SM${n.toString(16).padStart(32, '0')}`;
}

export function smsSenderOf(n: number, senders: number): string {
  return `+1555200${String(n % senders).padStart(4, '0')}`;
}

/**
 * An inbound SMS webhook (form-encoded, shaped like Twilio's) with its own MessageSid, and
 * its `X-Twilio-Signature` for `url`, the gateway's PUBLIC_URL + path.
 */
export function smsBody(n: number, senders: number, url: string): { body: string; signature: string } {
  const sid = smsSidOf(n);
  const body = new URLSearchParams({
    ToCountry: 'US',
    SmsMessageSid: sid,
    NumMedia: '0',
    SmsSid: sid,
    SmsStatus: 'received',
    Body: `hello from the bench, message ${n}`,
    To: FAKE_SMS_NUMBER,
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: FAKE_ACCOUNT_SID,
    From: smsSenderOf(n, senders),
    ApiVersion: '2010-04-01',
  }).toString();
  return { body, signature: signTwilioRequest(FAKE_AUTH_TOKEN, url, body) };
}
