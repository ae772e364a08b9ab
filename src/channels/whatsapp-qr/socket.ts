import type {
  AnyMessageContent,
  AuthenticationState,
  BaileysEventMap,
  MiscMessageGenerationOptions,
  WAMessage,
  WAMessageKey,
  WAPresence,
} from '@whiskeysockets/baileys';

/**
 * The part of Baileys' socket (`makeWASocket`'s result) Switchboard uses. The real socket
 * satisfies it as it is; tests pass a stand-in that emits Baileys' events and records calls,
 * so no test ever connects to WhatsApp.
 */
export interface WhatsAppSocket {
  ev: {
    on<T extends keyof BaileysEventMap>(event: T, listener: (argument: BaileysEventMap[T]) => void): void;
  };
  /** The raw WebSocket client: every frame it receives is traffic for the watchdog. */
  ws?: { on(event: 'message', listener: () => void): unknown };
  sendMessage(
    jid: string,
    content: AnyMessageContent,
    options?: MiscMessageGenerationOptions,
  ): Promise<WAMessage | undefined>;
  sendPresenceUpdate(type: WAPresence, jid?: string): Promise<void>;
  readMessages(keys: WAMessageKey[]): Promise<void>;
  requestPairingCode(phoneNumber: string): Promise<string>;
  logout(message?: string): Promise<void>;
  end(error: Error | undefined): void;
  /** Baileys 7's store of LID ↔ phone number pairs it learned. */
  signalRepository?: { lidMapping?: { getPNForLID(lid: string): Promise<string | null | undefined> } };
}

/** Creates a socket for one link's auth state; called again for every reconnect. */
export type SocketFactory = (options: { auth: AuthenticationState }) => WhatsAppSocket;

/** Downloads the media of one message, refusing more than `maxBytes`. */
export type MediaDownloader = (message: WAMessage, maxBytes: number) => Promise<Buffer>;
