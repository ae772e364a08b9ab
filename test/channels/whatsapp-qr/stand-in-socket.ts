/**
 * A stand-in for Baileys' socket: the gateway creates it through the injected factory instead
 * of `makeWASocket`, so no test ever connects to WhatsApp. Tests emit Baileys' own events on
 * it (`connection.update`, `creds.update`, `messages.upsert` with `proto.WebMessageInfo`
 * built by Baileys' `proto`), and it records what the gateway asked of it.
 */
import { EventEmitter } from 'node:events';
import {
  type AnyMessageContent,
  type AuthenticationState,
  type BaileysEventMap,
  type MiscMessageGenerationOptions,
  proto,
  type WAMessage,
  type WAMessageKey,
  type WAPresence,
} from '@whiskeysockets/baileys';
import type { SocketFactory, WhatsAppSocket } from '../../../src/channels/whatsapp-qr/socket.ts';

export interface SocketCall {
  at: number;
  kind: 'send' | 'presence' | 'read';
  jid?: string;
  content?: AnyMessageContent;
  presence?: WAPresence;
  keys?: WAMessageKey[];
  messageId?: string;
}

export class StandInSocket implements WhatsAppSocket {
  readonly events = new EventEmitter();
  readonly ws = new EventEmitter();
  readonly calls: SocketCall[] = [];
  readonly pairingRequests: string[] = [];
  loggedOut = false;
  ended = false;

  constructor(readonly auth: AuthenticationState) {}

  ev = {
    on: <T extends keyof BaileysEventMap>(event: T, listener: (argument: BaileysEventMap[T]) => void) => {
      this.events.on(event, listener);
    },
  };

  /** Emits one of Baileys' events, as the real socket would. */
  emit<T extends keyof BaileysEventMap>(event: T, argument: BaileysEventMap[T]): void {
    this.events.emit(event, argument);
  }

  /** The sequence the real socket runs through after a QR scan: open with the linked account. */
  open(me = { id: '15550009999:12@s.whatsapp.net', lid: '123450000000099:12@lid', name: 'Bakery' }): void {
    this.auth.creds.me = me;
    this.auth.creds.registered = true;
    this.emit('creds.update', { me, registered: true });
    this.emit('connection.update', { connection: 'open' });
  }

  /** Closes the connection with a Boom-shaped error of this status code. */
  close(statusCode: number | undefined): void {
    const error = Object.assign(new Error('Connection Failure'), {
      isBoom: true,
      output: { statusCode, payload: { statusCode } },
    });
    this.emit('connection.update', {
      connection: 'close',
      lastDisconnect: { error: statusCode === undefined ? new Error('closed') : error, date: new Date() },
    });
  }

  /** A live message (`notify`), built with Baileys' own protobuf classes. */
  receive(...messages: proto.IWebMessageInfo[]): void {
    this.emit('messages.upsert', {
      type: 'notify',
      messages: messages.map((message) => {
        const built = proto.WebMessageInfo.fromObject(message) as WAMessage;
        // Baileys 7 adds `remoteJidAlt`, `participantAlt` and `addressingMode` to the key after
        // decoding; they are not protobuf fields, so they are copied over as the socket sets them.
        built.key = { ...built.key, ...(message.key as WAMessage['key']) };
        return built;
      }),
    });
  }

  async sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions) {
    const id = options?.messageId ?? `3EB0${Math.random().toString(16).slice(2, 18).toUpperCase()}`;
    this.calls.push({ at: Date.now(), kind: 'send', jid, content, messageId: id });
    const sent = proto.WebMessageInfo.fromObject({
      key: { remoteJid: jid, fromMe: true, id },
      message: 'text' in content ? { conversation: String(content.text) } : {},
      messageTimestamp: Math.floor(Date.now() / 1000),
    }) as WAMessage;
    // Baileys echoes its own sends as `append`, as the real socket does with emitOwnEvents.
    this.emit('messages.upsert', { type: 'append', messages: [sent] });
    return sent;
  }

  async sendPresenceUpdate(presence: WAPresence, jid?: string) {
    this.calls.push({ at: Date.now(), kind: 'presence', presence, ...(jid ? { jid } : {}) });
  }

  async readMessages(keys: WAMessageKey[]) {
    this.calls.push({ at: Date.now(), kind: 'read', keys });
  }

  async requestPairingCode(phoneNumber: string) {
    this.pairingRequests.push(phoneNumber);
    return 'ABCD1234';
  }

  async logout() {
    this.loggedOut = true;
  }

  end() {
    this.ended = true;
  }

  sends() {
    return this.calls.filter((call) => call.kind === 'send');
  }
}

/** A factory that records every socket it made; `latest()` is the one in use. */
export function standInSockets() {
  const sockets: StandInSocket[] = [];
  const factory: SocketFactory = ({ auth }) => {
    const socket = new StandInSocket(auth);
    sockets.push(socket);
    return socket;
  };
  return {
    factory,
    sockets,
    latest(): StandInSocket {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket was created');
      return socket;
    },
  };
}
