import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT_VERSION = 'v1';

interface Key {
  id: string;
  material: Buffer;
}

/**
 * AES-256-GCM encryption with rotating keys. Each ciphertext names the key that wrote it,
 * so values written under an old key still decrypt after the active key changes; new
 * writes always use the first (active) key.
 */
export interface KeyRing {
  readonly activeKeyId: string;
  /** `context` is bound as additional authenticated data: a value copied to another field or tenant fails to decrypt. */
  encrypt(plaintext: string, context: string): string;
  decrypt(sealed: string, context: string): string;
  /** Whether a sealed value was written with a key other than the active one. */
  isStale(sealed: string): boolean;
}

/**
 * Parses a key ring specification: comma-separated entries, newest first, each either
 * `<id>:<base64 key>` or a bare base64 key (its id is then derived from the key itself).
 */
export function parseKeyRing(specification: string): KeyRing {
  const keys = specification
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map(parseKey);
  if (keys.length === 0) throw new Error('SWITCHBOARD_SECRET_KEY: no key given');
  const ids = new Set(keys.map((key) => key.id));
  if (ids.size !== keys.length) throw new Error('SWITCHBOARD_SECRET_KEY: two keys share one id');
  return createKeyRing(keys);
}

function parseKey(entry: string): Key {
  const separator = entry.indexOf(':');
  const id = separator > 0 ? entry.slice(0, separator) : undefined;
  const encoded = separator > 0 ? entry.slice(separator + 1) : entry;
  const material = Buffer.from(encoded, 'base64');
  if (material.length !== KEY_BYTES) {
    throw new Error(`SWITCHBOARD_SECRET_KEY: each key must be ${KEY_BYTES} bytes, base64-encoded`);
  }
  if (id !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
    throw new Error('SWITCHBOARD_SECRET_KEY: a key id may only hold letters, digits, _ and - (at most 32)');
  }
  return { id: id ?? `k${createHash('sha256').update(material).digest('hex').slice(0, 8)}`, material };
}

function createKeyRing(keys: Key[]): KeyRing {
  const active = keys[0]!;
  const byId = new Map(keys.map((key) => [key.id, key]));
  return {
    activeKeyId: active.id,
    encrypt(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active.material, iv);
      cipher.setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
      return [FORMAT_VERSION, active.id, ...parts].join('.');
    },
    decrypt(sealed, context) {
      const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
      if (version !== FORMAT_VERSION || !keyId || !iv || !tag || ciphertext === undefined) {
        throw new Error('sealed value has an unknown format');
      }
      const key = byId.get(keyId);
      if (!key) throw new Error(`sealed value was written with key "${keyId}", which is not in the key ring`);
      const decipher = createDecipheriv('aes-256-gcm', key.material, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    },
    isStale(sealed) {
      return sealed.split('.')[1] !== active.id;
    },
  };
}

/** A fresh key ring entry: `<id>:<base64 key>`. */
export function generateKeySpecification(): string {
  const material = randomBytes(KEY_BYTES);
  return `k${createHash('sha256').update(material).digest('hex').slice(0, 8)}:${material.toString('base64')}`;
}

/**
 * The key ring for this process: from `SWITCHBOARD_SECRET_KEY` when set; otherwise from
 * `<dataDir>/secret.key`, which is created (mode 0600) on first start. The embedded default
 * thereby never stores secrets unencrypted, and never needs configuration.
 */
export async function loadKeyRing(options: { specification: string | undefined; dataDir: string }): Promise<{
  keyRing: KeyRing;
  generatedFile?: string;
}> {
  if (options.specification) return { keyRing: parseKeyRing(options.specification) };
  const file = join(options.dataDir, 'secret.key');
  try {
    return { keyRing: parseKeyRing(await readFile(file, 'utf8')) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(options.dataDir, { recursive: true });
  const specification = generateKeySpecification();
  // 'wx' fails if another process created the file meanwhile; then read theirs.
  try {
    await writeFile(file, `${specification}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { keyRing: parseKeyRing(await readFile(file, 'utf8')) };
  }
  return { keyRing: parseKeyRing(specification), generatedFile: file };
}
