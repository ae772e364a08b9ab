import type { ConnectionCheck, ConnectorDefinition, ConnectorValues } from '../core/connector.ts';
import type { AppError } from '../core/errors.ts';
import type { InboundEvent } from '../normalizer/types.ts';

/** A webhook request as an adapter sees it: the raw bytes, before anything trusted them. */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** Full public URL the provider called (some signatures cover it). */
  url: string;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** Where the adapter's provider API lives, and how to reach it (tests point these at loopback fakes). */
export interface ProviderEnvironment {
  publicUrl: string;
  telegramApiRoot: string;
  fetch: typeof fetch;
}

export interface OutboundMessage {
  chatId: string;
  text: string;
  /** The inbound message this answers, when there is one. */
  inReplyTo?: { providerMessageId: string; kind: string };
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
  /** Content types the provider posts webhooks with; anything else is answered 415. */
  contentTypes: string[];
  /** Largest webhook body accepted, in bytes (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Fills generated fields (e.g. a webhook secret) before the configuration is stored. */
  prepareConfig?(values: ConnectorValues): ConnectorValues;
  verify(request: WebhookRequest, config: ConnectorValues): VerifyResult;
  /** Throws AppError('MALFORMED_PAYLOAD') when the body is not what the provider sends. */
  parse(request: WebhookRequest, config: ConnectorValues): InboundEvent[];
  send(message: OutboundMessage, context: SendContext): Promise<SendResult>;
  /** Shows the customer that a reply is being written; best effort. */
  showTyping?(chatId: string, context: SendContext): Promise<void>;
  setup?(context: SetupContext): Promise<SetupResult>;
  /** Undoes `setup` when the configuration is deleted (unregisters the webhook); best effort. */
  teardown?(context: SendContext): Promise<void>;
  test(context: SendContext): Promise<ConnectionCheck>;
}
