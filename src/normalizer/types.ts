/**
 * What a channel adapter hands the normalizer: provider traffic reduced to the few shapes
 * Switchboard acts on. Provider ids are kept so redelivery can be recognized.
 */

/** One piece of a message. Media is stored as a reference to the provider's file, never as bytes. */
export type MessagePart =
  | { type: 'text'; text: string }
  | {
      type: 'media';
      mediaType: 'image' | 'audio' | 'voice' | 'video' | 'document' | 'sticker';
      providerFileId: string;
      mimeType?: string;
      fileName?: string;
      sizeBytes?: number;
      caption?: string;
      /** Larger than the channel keeps (an email attachment over its limit): only the description is stored. */
      tooLarge?: boolean;
    }
  | { type: 'location'; latitude: number; longitude: number; name?: string }
  | { type: 'contact'; name: string; phone?: string }
  | { type: 'interactive'; payload: string; title?: string }
  /** The message a reply quotes (WhatsApp): its provider id and, when sent along, its text. */
  | { type: 'quote'; providerMessageId: string; text?: string }
  /** A reaction to an earlier message (WhatsApp). */
  | { type: 'reaction'; emoji: string; providerMessageId: string }
  /** Where an email sits in its thread: its subject and its own Message-ID, which later mail references. */
  | { type: 'thread'; subject?: string; messageId?: string };

export type MessageKind =
  | 'text'
  | 'media'
  | 'location'
  | 'contact'
  | 'interactive'
  | 'reaction'
  | 'unsupported'
  | 'call';

/** Who sent something, as the channel identifies them. */
export interface Sender {
  externalId: string;
  displayName?: string;
  username?: string;
  /** BCP 47 language tag when the provider tells us (Telegram's `language_code`). */
  locale?: string;
}

export interface InboundMessageEvent {
  type: 'message';
  /** Unique per tenant and channel: the dedupe key. */
  providerMessageId: string;
  /** Where replies go (chat id, phone number, address). */
  chatId: string;
  sender: Sender;
  sentAt: Date;
  kind: MessageKind;
  text?: string;
  parts: MessagePart[];
  /**
   * Provider message ids this message answers (email's In-Reply-To and References), most
   * relevant first. When one names a stored message of the same tenant and channel, the
   * message joins that message's conversation instead of the one for `chatId`.
   */
  threadReferences?: string[];
  /**
   * Whether the channel authenticated the sender (email: SPF, DKIM, DMARC). False: it failed,
   * so the sender may be forged and gets no customer-scoped data; undefined: no result.
   */
  senderVerified?: boolean;
}

export interface InboundEditEvent {
  type: 'edit';
  providerMessageId: string;
  chatId: string;
  sender: Sender;
  editedAt: Date;
  text?: string;
  parts: MessagePart[];
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface InboundStatusEvent {
  type: 'status';
  providerMessageId: string;
  status: DeliveryStatus;
  at: Date;
  error?: string;
}

/** The contact stopped (blocked the bot, texted STOP) or resumed receiving messages. */
export interface InboundSubscriptionEvent {
  type: 'subscription';
  sender: Sender;
  subscribed: boolean;
  at: Date;
}

/** The sender unsent (deleted) one of their messages: its stored content is deleted too. */
export interface InboundUnsendEvent {
  type: 'unsend';
  providerMessageId: string;
  chatId: string;
  sender: Sender;
  at: Date;
}

export type InboundEvent =
  | InboundMessageEvent
  | InboundEditEvent
  | InboundStatusEvent
  | InboundSubscriptionEvent
  | InboundUnsendEvent;
