import type {
  AuthenticationCreds,
  AuthenticationState,
  SignalDataSet,
  SignalDataTypeMap,
} from '@whiskeysockets/baileys';
import { loadBaileys, loadedBaileys } from './baileys.ts';

/**
 * Where a link's auth state is kept: opaque strings by key. The gateway's storage seals each
 * value with the key ring and writes every call's entries in one transaction.
 */
export interface AuthStateStorage {
  read(keys: string[]): Promise<Map<string, string>>;
  /** Writes (a string) and deletes (null) every entry in one transaction: all or nothing. */
  write(entries: Array<[key: string, value: string | null]>): Promise<void>;
  /** Deletes the whole state (after a logout: the next link starts from a new QR). */
  clear(): Promise<void>;
}

export interface StoredAuthState {
  state: AuthenticationState;
  /** Persists the credentials; Baileys asks for it with every `creds.update`. */
  saveCreds(): Promise<void>;
  /** Whether the credentials were already paired with a phone when loaded. */
  registered: boolean;
}

const CREDS_KEY = 'creds';

/**
 * Baileys' authentication state (credentials and signal keys) on our storage, serialized
 * with Baileys' own `BufferJSON` exactly as its file store does, one entry per key. New
 * credentials come from `initAuthCreds()`. Every `keys.set` is persisted before it resolves:
 * Baileys assumes keys it set are there, and a lost pre-key or session silently breaks
 * decryption of later messages.
 */
export async function loadAuthState(storage: AuthStateStorage): Promise<StoredAuthState> {
  const { initAuthCreds, proto } = await loadBaileys();
  const stored = (await storage.read([CREDS_KEY])).get(CREDS_KEY);
  const creds: AuthenticationCreds = stored ? deserialize(stored) : initAuthCreds();
  return {
    registered: Boolean(stored && creds.registered),
    state: {
      creds,
      keys: {
        async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
          const values = await storage.read(ids.map((id) => keyOf(type, id)));
          const found: { [id: string]: SignalDataTypeMap[T] } = {};
          for (const id of ids) {
            const text = values.get(keyOf(type, id));
            if (text === undefined) continue;
            let value = deserialize(text);
            // The file store does the same: app state keys are protobuf objects, not plain JSON.
            if (type === 'app-state-sync-key') value = proto.Message.AppStateSyncKeyData.fromObject(value);
            found[id] = value as SignalDataTypeMap[T];
          }
          return found;
        },
        async set(data: SignalDataSet) {
          const entries: Array<[string, string | null]> = [];
          for (const [type, values] of Object.entries(data)) {
            for (const [id, value] of Object.entries(values ?? {})) {
              entries.push([keyOf(type, id), value ? serialize(value) : null]);
            }
          }
          if (entries.length > 0) await storage.write(entries);
        },
        clear: () => storage.clear(),
      },
    },
    saveCreds: () => storage.write([[CREDS_KEY, serialize(creds)]]),
  };
}

function keyOf(type: string, id: string): string {
  return `${type}/${id}`;
}

function serialize(value: unknown): string {
  return JSON.stringify(value, loadedBaileys().BufferJSON.replacer);
}

// biome-ignore lint/suspicious/noExplicitAny: BufferJSON revives whatever shape was stored.
function deserialize(text: string): any {
  return JSON.parse(text, loadedBaileys().BufferJSON.reviver);
}
