import type { ConnectionCheck, ConnectorDefinition, ConnectorValues } from '../core/connector.ts';
import type { AppError } from '../core/errors.ts';
import type { InboundEvent } from '../normalizer/types.ts';
import type { WhatsAppQrLinks } from './whatsapp-qr/link.ts';

/** A webhook request as an adapter sees it: the raw bytes, before anything trusted them. */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** Full public URL the provider called (some signatures cover it). */
  url: string;
  /**
   * Called by parsers that keep a batch's good items (Meta's) with the problems of the items
   * they skipped: paths and schema messages, never values. The route counts and logs them.
   */
  onSkipped?(problems: string[]): void;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** The answer to a provider's GET verification handshake (Meta's hub.challenge). */
export type HandshakeResult = { ok: true; body: string } | { ok: false; reason: string };

/**
 * Delivery rules of a channel, enforced in one place by the dispatcher. All optional: a
 * channel without a rule has no such limit.
 */
export interface ChannelPolicy {
  /** Free-form messages only within this many hours of the customer's last message (WhatsApp, Meta: 24). */
  customerServiceWindowHours?: number;
  /** Staff replies are allowed this long after the customer's last message with the human-agent tag (Meta: 7 days). */
  humanAgentWindowHours?: number;
  /** Sends per second for one account (a phone number, a page, a bot), across its chats. */
  accountSendsPerSecond?: number;
  /** Sends per second into one chat. */
  chatSendsPerSecond?: number;
}

/** Where the adapters' provider APIs live, and how to reach them (tests point these at loopback fakes). */
export interface ProviderEnvironment {
  publicUrl: string;
  telegramApiRoot: string;
  /** Meta Graph API base, without the version (`https://graph.facebook.com`). */
  metaGraphApiUrl: string;
  /** Graph API version path segment (`v21.0`). */
  metaGraphApiVersion: string;
  /** Twilio REST API base (`https://api.twilio.com`). */
  twilioApiBaseUrl: string;
  /** Postmark API base (`https://api.postmarkapp.com`). */
  postmarkApiUrl: string;
  fetch: typeof fetch;
  /** The process's WhatsApp (QR) sessions: that channel sends over a live socket, not an HTTP API. */
  whatsappQr?: WhatsAppQrLinks;
}

export interface OutboundMessage {
  chatId: string;
  text: string;
  /** The inbound message this answers, when there is one. */
  inReplyTo?: { providerMessageId: string; kind: string };
  /** Who wrote it (default: the agent); Meta's human-agent tag applies to staff replies only. */
  author?: 'agent' | 'staff';
  /**
   * Set by the dispatcher's policy: send this pre-approved template instead of free text,
   * because the channel's customer-service window has closed.
   */
  template?: { name: string; language: string };
  /** Set by the dispatcher's policy: a staff reply outside the standard window, sent with Meta's HUMAN_AGENT tag. */
  humanAgentTag?: boolean;
  /** Headers and subject for channels that thread (email): the conversation's earlier message ids. */
  thread?: { subject?: string; references: string[] };
  /**
   * The dispatcher's id of this piece, the same on every attempt. Channels whose provider
   * stores metadata with a message (Postmark) send it along, so `findSent` can search for it.
   */
  deliveryId?: string;
  /** A file staff sent (`text` is then its caption), kept in the gateway's media store. */
  media?: OutboundMedia;
}

/** A file to send, as the outbox's message references it. */
export interface OutboundMedia {
  mediaType: 'image' | 'video' | 'audio' | 'document';
  mimeType: string;
  /** The media store's id of the file (`<tenant>/<uuid>`). */
  storeId: string;
  fileName?: string;
}

/** An earlier attempt whose outcome is unknown: the process died after handing it to the provider. */
export interface UnsettledSend {
  message: OutboundMessage;
  /** No send of this message can be older than this (when the reply was recorded). */
  since: Date;
}

/**
 * A send receipt with an explicit outcome. `failed` carries an AppError whose retryable
 * flag tells the dispatcher whether another attempt may help.
 */
export type SendResult =
  | { outcome: 'sent'; providerMessageId: string }
  | { outcome: 'failed'; error: AppError };

export interface SendContext {
  config: ConnectorValues;
  environment: ProviderEnvironment;
}

export interface SetupContext extends SendContext {
  tenantSlug: string;
  /** The URL this tenant's webhook for this channel is served at. */
  webhookUrl: string;
}

/** What `revealOnSave` sees: the configuration being saved and the one it replaces. */
export interface RevealContext {
  config: ConnectorValues;
  /** The stored configuration before this save; undefined on the first save. */
  previousConfig?: ConnectorValues;
  /** The URL this tenant's webhook for this channel is served at. */
  webhookUrl: string;
}

/**
 * What setup learned from the provider (a bot's username, say); stored beside the
 * configuration and shown as read-only details, never as editable fields.
 */
export interface SetupResult {
  values: ConnectorValues;
}

/**
 * One messaging channel. A plain object: verify and parse inbound traffic, send replies,
 * and optionally register the webhook with the provider when the configuration is saved.
 */
export interface ChannelAdapter {
  id: string;
  connector: ConnectorDefinition;
  /** Longest text one provider message may carry; longer replies are split by the dispatcher. */
  maxTextLength: number;
  /** Splits text into the pieces one provider message may carry; default: `splitText` at `maxTextLength`. */
  splitText?(text: string): string[];
  policy?: ChannelPolicy;
  /** The files the channel can send, if any: their MIME types and the largest size, in bytes. */
  outboundMedia?: { mimeTypes: readonly string[]; maxBytes: number };
  /** Content types the provider posts webhooks with; anything else is answered 415. */
  contentTypes: string[];
  /** Largest webhook body accepted, in bytes (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Further POST paths below the webhook URL that go through the same verify and parse (Twilio's `/status`). */
  webhookSubpaths?: string[];
  /** What the 2xx answer to a webhook must carry, when the provider expects a body (Twilio: empty TwiML). */
  acknowledgement?: { contentType: string; body: string };
  /** Answers the provider's GET verification handshake (Meta); channels without one get no GET route. */
  handshake?(query: Record<string, string | undefined>, config: ConnectorValues): HandshakeResult;
  /** Fills generated fields (e.g. a webhook secret) before the configuration is stored. */
  prepareConfig?(values: ConnectorValues): ConnectorValues;
  /**
   * `verify` reads the headers only (a shared secret, no signature over the body), so the
   * route runs it before reading the body: a caller without the secret never has its body
   * buffered (Telegram's secret token, Postmark's basic auth).
   */
  verifiesHeadersOnly?: boolean;
  verify(request: WebhookRequest, config: ConnectorValues): VerifyResult;
  /** Throws AppError('MALFORMED_PAYLOAD') when the body is not what the provider sends. */
  parse(request: WebhookRequest, config: ConnectorValues): InboundEvent[];
  send(message: OutboundMessage, context: SendContext): Promise<SendResult>;
  /**
   * Asks the provider whether an earlier attempt of this message was accepted after all:
   * its provider message id, or undefined when the provider has no such message. Throws an
   * AppError when the provider cannot be asked. Channels whose provider offers a lookup
   * (Twilio's message list, Postmark's outbound search) have it; without it the dispatcher
   * sends again, and a message that was accepted can arrive twice.
   */
  findSent?(send: UnsettledSend, context: SendContext): Promise<string | undefined>;
  /**
   * A reply the channel's rules prescribe for an inbound message, given instead of the
   * agent's (SMS HELP answers the tenant's help text); null when the rules say the message
   * gets no reply at all (an SMS STOP or START, which Twilio confirms itself); undefined lets
   * the agent answer.
   */
  automaticReply?(inbound: { text: string | null }, config: ConnectorValues): string | null | undefined;
  /**
   * Tells the customer their message arrived and a reply is being written (a typing
   * indicator, a read receipt); best effort, never retried.
   */
  acknowledgeInbound?(
    inbound: { chatId: string; providerMessageId: string },
    context: SendContext,
  ): Promise<void>;
  setup?(context: SetupContext): Promise<SetupResult>;
  /**
   * Values to show once, in the answer to the save that produced them: a generated
   * credential the provider must be given (Postmark's inbound URL with basic auth). Never
   * stored and never shown again; undefined when there is nothing new to show.
   */
  revealOnSave?(context: RevealContext): Record<string, string> | undefined;
  /**
   * The channel threads replies (email): the dispatcher fills `OutboundMessage.thread` with
   * the conversation's message ids and subject before each send.
   */
  threading?: boolean;
  /** Undoes `setup` when the configuration is deleted (unregisters the webhook); best effort. */
  teardown?(context: SendContext): Promise<void>;
  test(context: SendContext): Promise<ConnectionCheck>;
}
