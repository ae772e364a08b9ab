import { lazyModule } from '../core/lazy-module.ts';

/** The native argon2 module, loaded at the first login or password change, not at start-up. */
const loadArgon2 = lazyModule(() => import('@node-rs/argon2'));

// argon2id (the library's default algorithm) with OWASP's minimum: 19 MiB, 2 passes, 1 lane.
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** A PHC-format argon2id hash of the password, salted. */
export async function hashPassword(password: string): Promise<string> {
  const { hash } = await loadArgon2();
  return hash(password, options);
}

// Verified against when the account does not exist, so a wrong email costs as long as a wrong password.
let decoy: Promise<string> | undefined;

/** Whether the password matches the hash; with no hash, spends the same time and answers false. */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  const { verify } = await loadArgon2();
  if (!stored) {
    decoy ??= hashPassword('decoy password that matches nothing');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
