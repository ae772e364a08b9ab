/**
 * The WhatsApp (QR) auth state on the database: credentials and signal keys made with
 * Baileys' own functions survive a restart (a new store client and key ring instance),
 * are unreadable at rest, and a logout clears them.
 */
import { Curve, makeCacheableSignalKeyStore, proto, signedKeyPair } from '@whiskeysockets/baileys';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAuthState } from '../../../src/channels/whatsapp-qr/auth-state.ts';
import { generateKeySpecification, parseKeyRing } from '../../../src/connectors/key-ring.ts';
import { createAuthStorage } from '../../../src/server/whatsapp-qr/auth-storage.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { createTestStore, type TestStore } from '../../support/database.ts';

describe('WhatsApp QR auth state', () => {
  let store: TestStore;
  let reopened: Store | undefined;
  const specification = generateKeySpecification();
  let tenantId: string;

  beforeEach(async () => {
    store = await createTestStore();
    tenantId = (await store.db.tenant.create({ data: { slug: 'bakery', name: 'Bakery' } })).id;
  });

  afterEach(async () => {
    await reopened?.close();
    reopened = undefined;
    await store.dispose();
  });

  const storageOn = (target: Store, id = tenantId) =>
    createAuthStorage({ db: target.db, keyRing: parseKeyRing(specification), tenantId: id });

  it('round-trips credentials and signal keys across a restart, encrypted at rest', async () => {
    const first = await loadAuthState(storageOn(store));
    expect(first.registered).toBe(false);
    const { creds } = first.state;
    creds.registered = true;
    creds.me = { id: '15550009999:12@s.whatsapp.net', lid: '123450000000099:12@lid', name: 'Bakery' };
    await first.saveCreds();
    const preKey = Curve.generateKeyPair();
    const signed = signedKeyPair(creds.signedIdentityKey, 7);
    const session = Buffer.from(Curve.generateKeyPair().public);
    const appStateKey = proto.Message.AppStateSyncKeyData.fromObject({
      keyData: Buffer.from('app-state-key-data'),
      timestamp: 1767268800,
    });
    // Through Baileys' caching wrapper, as the socket uses it.
    const keys = makeCacheableSignalKeyStore(first.state.keys);
    await keys.set({
      'pre-key': { '1': preKey, '2': signed.keyPair },
      session: { '15550000001.0': session },
      'app-state-sync-key': { AAAAAQ: appStateKey },
      'lid-mapping': { '15550000001': '123450000000001' },
    });

    // A restart: a new client on the same database and a new key ring instance from the same key.
    reopened = await openStore({ databaseUrl: store.url, dataDir: '/tmp' });
    const second = await loadAuthState(storageOn(reopened));
    expect(second.registered).toBe(true);
    const restored = second.state.creds;
    expect(restored.me).toEqual(creds.me);
    expect(Buffer.from(restored.noiseKey.private)).toEqual(Buffer.from(creds.noiseKey.private));
    expect(Buffer.from(restored.signedIdentityKey.public)).toEqual(
      Buffer.from(creds.signedIdentityKey.public),
    );
    expect(restored.advSecretKey).toBe(creds.advSecretKey);
    expect(restored.registrationId).toBe(creds.registrationId);
    const preKeys = await second.state.keys.get('pre-key', ['1', '2', '3']);
    expect(Object.keys(preKeys).sort()).toEqual(['1', '2']);
    expect(Buffer.from(preKeys['1']!.private)).toEqual(Buffer.from(preKey.private));
    expect(Buffer.from(preKeys['2']!.public)).toEqual(Buffer.from(signed.keyPair.public));
    const sessions = await second.state.keys.get('session', ['15550000001.0']);
    expect(Buffer.from(sessions['15550000001.0']!)).toEqual(session);
    const appState = await second.state.keys.get('app-state-sync-key', ['AAAAAQ']);
    expect(appState.AAAAAQ).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(appState.AAAAAQ!.keyData!).toString()).toBe('app-state-key-data');
    expect(await second.state.keys.get('lid-mapping', ['15550000001'])).toEqual({
      '15550000001': '123450000000001',
    });

    // At rest every value is sealed: no key material or number appears in any row.
    const rows = await store.db.whatsappQrAuthEntry.findMany({ where: { tenantId } });
    expect(rows.map((row) => row.key).sort()).toEqual([
      'app-state-sync-key/AAAAAQ',
      'creds',
      'lid-mapping/15550000001',
      'pre-key/1',
      'pre-key/2',
      'session/15550000001.0',
    ]);
    const raw = rows.map((row) => row.value).join('\n');
    for (const secret of [
      Buffer.from(creds.noiseKey.private).toString('base64'),
      Buffer.from(preKey.private).toString('base64'),
      session.toString('base64'),
      creds.advSecretKey,
      '15550009999',
      '123450000000001',
    ]) {
      expect(raw).not.toContain(secret);
    }
    expect(rows.every((row) => row.value.startsWith('v1.'))).toBe(true);
  });

  it('deletes a key set to null and clears everything on logout', async () => {
    const state = await loadAuthState(storageOn(store));
    await state.saveCreds();
    await state.state.keys.set({ 'pre-key': { '1': Curve.generateKeyPair(), '2': Curve.generateKeyPair() } });
    await state.state.keys.set({ 'pre-key': { '1': null } });
    expect(Object.keys(await state.state.keys.get('pre-key', ['1', '2']))).toEqual(['2']);
    await state.state.keys.clear!();
    expect(await store.db.whatsappQrAuthEntry.count({ where: { tenantId } })).toBe(0);
    // Not registered any more: the next link needs a new QR.
    expect((await loadAuthState(storageOn(store))).registered).toBe(false);
  });

  it('keeps tenants apart: another tenant reads nothing, and a copied row does not decrypt', async () => {
    const other = (await store.db.tenant.create({ data: { slug: 'florist', name: 'Florist' } })).id;
    const state = await loadAuthState(storageOn(store));
    await state.saveCreds();
    expect((await loadAuthState(storageOn(store, other))).registered).toBe(false);
    const row = await store.db.whatsappQrAuthEntry.findFirstOrThrow({ where: { tenantId, key: 'creds' } });
    await store.db.whatsappQrAuthEntry.create({ data: { tenantId: other, key: 'creds', value: row.value } });
    await expect(loadAuthState(storageOn(store, other))).rejects.toThrow();
  });
});
