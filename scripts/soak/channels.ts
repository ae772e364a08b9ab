/**
 * The six text channels as the soak drives them: each channel's configuration for the one
 * soak tenant, a signed webhook request carrying one customer's message (every message comes
 * from its own customer, so each conversation holds one inbound message and its reply), and
 * the provider fake that receives the replies, with a way to make it fail the next send.
 */
import { readFileSync } from 'node:fs';
import { whatsappChange } from '../../test/channels/whatsapp/fixtures.ts';
import {
  FAKE_APP_SECRET,
  FAKE_INSTAGRAM,
  FAKE_INSTAGRAM_APP_SECRET,
  FAKE_PAGE,
  FAKE_WHATSAPP,
  type FakeMetaGraph,
} from '../../test/fakes/meta-graph.ts';
import { FAKE_SERVER_TOKEN, type FakePostmark } from '../../test/fakes/postmark-api.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram } from '../../test/fakes/telegram-api.ts';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  type FakeTwilio,
  signTwilioRequest,
} from '../../test/fakes/twilio-api.ts';
import { metaSignature } from '../../test/pipeline/meta-gateway.ts';
import { textUpdate } from '../../test/support/gateway.ts';

export const SOAK_CHANNELS = ['telegram', 'whatsapp', 'messenger', 'instagram', 'sms', 'email'] as const;
export type SoakChannel = (typeof SOAK_CHANNELS)[number];

export interface Fakes {
  telegram: FakeTelegram;
  graph: FakeMetaGraph;
  twilio: FakeTwilio;
  postmark: FakePostmark;
}

/** What the soak needs from a configured tenant to sign its webhooks. */
export interface Credentials {
  telegramSecret: string;
  /** `Authorization` for Postmark's inbound webhook (revealed when email is saved). */
  emailAuthorization: string;
}

export interface WebhookRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

const VERIFY_TOKEN = 'soak-verify-token-2026';

/** The configuration saved for each channel, as `PUT /admin/connector-hub/<channel>/config` takes it. */
export const channelConfigs: Record<SoakChannel, Record<string, string>> = {
  telegram: { bot_token: FAKE_BOT_TOKEN },
  whatsapp: {
    phone_number_id: FAKE_WHATSAPP.phoneNumberId,
    access_token: FAKE_WHATSAPP.accessToken,
    verify_token: VERIFY_TOKEN,
    app_secret: FAKE_APP_SECRET,
  },
  messenger: {
    page_id: FAKE_PAGE.pageId,
    page_access_token: FAKE_PAGE.accessToken,
    verify_token: VERIFY_TOKEN,
    app_secret: FAKE_APP_SECRET,
  },
  instagram: {
    instagram_account_id: FAKE_INSTAGRAM.accountId,
    page_access_token: FAKE_INSTAGRAM.accessToken,
    verify_token: VERIFY_TOKEN,
    app_secret: FAKE_INSTAGRAM_APP_SECRET,
  },
  sms: { account_sid: FAKE_ACCOUNT_SID, auth_token: FAKE_AUTH_TOKEN, sms_number: FAKE_SMS_NUMBER },
  email: { server_token: FAKE_SERVER_TOKEN, from_email: 'Support <support@example.com>' },
};

const smsFixture = readFileSync(
  new URL('../../test/channels/sms/fixtures/inbound_text.txt', import.meta.url),
  'utf8',
);
const emailFixture = JSON.parse(
  readFileSync(new URL('../../test/channels/email/fixtures/inbound_plain.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** The text of message `n`: what the soak looks for in the database. */
export function markerOf(channel: SoakChannel, n: number): string {
  return `soak ${channel} ${n}`;
}

function metaMessaging(
  object: string,
  accountId: string,
  customer: string,
  mid: string,
  text: string,
): string {
  return JSON.stringify({
    object,
    entry: [
      {
        id: accountId,
        time: Date.now(),
        messaging: [
          {
            sender: { id: customer },
            recipient: { id: accountId },
            timestamp: Date.now(),
            message: { mid, text },
          },
        ],
      },
    ],
  });
}

/** The webhook a provider would send for message `n` of `channel`, signed as it signs it. */
export function webhookFor(
  channel: SoakChannel,
  n: number,
  slug: string,
  publicUrl: string,
  credentials: Credentials,
): WebhookRequest {
  const text = markerOf(channel, n);
  const path = `/webhook/${channel}/${slug}`;
  const json = { 'content-type': 'application/json' };
  switch (channel) {
    case 'telegram':
      return {
        path,
        headers: { ...json, 'x-telegram-bot-api-secret-token': credentials.telegramSecret },
        body: JSON.stringify(textUpdate({ updateId: n, messageId: n, chatId: 700_000_000 + n, text })),
      };
    case 'whatsapp': {
      const from = `1555${String(n).padStart(7, '0')}`;
      const body = whatsappChange({
        contacts: [{ profile: { name: 'Soak Customer' }, wa_id: from }],
        messages: [
          {
            from,
            id: `wamid.SOAK${n}`,
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: 'text',
            text: { body: text },
          },
        ],
      });
      return {
        path,
        headers: { ...json, 'x-hub-signature-256': metaSignature(body, FAKE_APP_SECRET) },
        body,
      };
    }
    case 'messenger': {
      const body = metaMessaging(
        'page',
        FAKE_PAGE.pageId,
        `${8_000_000_000_000_000 + n}`,
        `m_soak_${n}`,
        text,
      );
      return {
        path,
        headers: { ...json, 'x-hub-signature-256': metaSignature(body, FAKE_APP_SECRET) },
        body,
      };
    }
    case 'instagram': {
      const body = metaMessaging(
        'instagram',
        FAKE_INSTAGRAM.accountId,
        `${9_000_000_000_000_000 + n}`,
        `ig_soak_${n}`,
        text,
      );
      return {
        path,
        headers: { ...json, 'x-hub-signature-256': metaSignature(body, FAKE_INSTAGRAM_APP_SECRET) },
        body,
      };
    }
    case 'sms': {
      const form = new URLSearchParams(smsFixture);
      const sid = `SM${n.toString(16).padStart(32, '0')}`;
      for (const name of ['MessageSid', 'SmsSid', 'SmsMessageSid']) form.set(name, sid);
      form.set('From', `+1555${String(n).padStart(7, '0')}`);
      form.set('Body', text);
      const body = form.toString();
      return {
        path,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signTwilioRequest(FAKE_AUTH_TOKEN, `${publicUrl}${path}`, body),
        },
        body,
      };
    }
    case 'email': {
      const address = `customer${n}@soak.example.net`;
      const body = JSON.stringify({
        ...emailFixture,
        From: address,
        FromFull: { Email: address, Name: 'Soak Customer', MailboxHash: '' },
        MessageID: `soak-${n}-0000-4000-8000-000000000000`,
        Subject: `Soak ${n}`,
        TextBody: text,
        StrippedTextReply: text,
        HtmlBody: '',
        Headers: [{ Name: 'Message-ID', Value: `<soak-${n}@soak.example.net>` }],
      });
      return { path, headers: { ...json, authorization: credentials.emailAuthorization }, body };
    }
  }
}

/** Replies each provider fake accepted for the channel. */
export function acceptedSends(channel: SoakChannel, fakes: Fakes): number {
  switch (channel) {
    case 'telegram':
      return fakes.telegram.sent().length;
    case 'sms':
      return fakes.twilio.sent().length;
    case 'email':
      return fakes.postmark.sent().length;
    default:
      return fakes.graph.sent().filter((message) => message.channel === channel).length;
  }
}

/** Makes the channel's provider answer its next send with `status` (429 asks to wait a second). */
export function failNextSend(channel: SoakChannel, fakes: Fakes, status: number): void {
  const retryAfter = status === 429 ? 1 : undefined;
  switch (channel) {
    case 'telegram':
      fakes.telegram.fail('sendMessage', [{ status, ...(retryAfter ? { retryAfter } : {}) }]);
      return;
    case 'sms':
      fakes.twilio.fail('messages', [{ status, ...(status === 429 ? { code: 20429, retryAfter } : {}) }]);
      return;
    case 'email':
      fakes.postmark.fail('email', [{ status, ...(retryAfter ? { retryAfter } : {}) }]);
      return;
    case 'whatsapp':
      fakes.graph.fail(
        `/${FAKE_WHATSAPP.phoneNumberId}/messages`,
        [{ status }],
        (body) => body.type === 'text',
      );
      return;
    case 'messenger':
      fakes.graph.fail(`/${FAKE_PAGE.pageId}/messages`, [{ status }], (body) => 'message' in body);
      return;
    case 'instagram':
      fakes.graph.fail('/me/messages', [{ status }], (body) => 'message' in body);
      return;
  }
}
