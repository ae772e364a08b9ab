import { lazyModule } from '../../core/lazy-module.ts';

/**
 * Baileys, imported when a WhatsApp (QR) link is first opened or read: its protobuf
 * definitions alone cost about half a second of CPU and 20 MB of heap, which a gateway
 * without a linked account should not pay at start-up.
 */
export const loadBaileys = lazyModule(() => import('@whiskeysockets/baileys'));

/**
 * Baileys for code that must stay synchronous (a socket factory, a JSON reviver). Every
 * session loads its auth state (`loadAuthState`, which awaits `loadBaileys`) before it
 * creates a socket, so Baileys is there by then; this throws if that order is ever broken.
 */
export function loadedBaileys() {
  const baileys = loadBaileys.loaded();
  if (!baileys) throw new Error('Baileys is used before loadBaileys() loaded it');
  return baileys;
}
