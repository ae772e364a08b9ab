// The `state` of an authorization request: sealed with the key ring (AES-256-GCM, so it is
// signed and its content private), expiring, single-use through its row, and bound to the
// tenant, the person who clicked connect and their browser (the hash of a cookie nonce).
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../store/index.ts';
import type { OAuthProviderId } from './providers.ts';
import type { Sealer } from './sealer.ts';

/** How long staff have at the provider's consent screen. */
export const STATE_TTL_MS = 10 * 60_000;

const STATE_CONTEXT = 'oauth/state';
const VERIFIER_CONTEXT = 'oauth/code-verifier';

export interface StartedAuthorization {
  tenantId: string;
  provider: OAuthProviderId;
  actor: string;
  services: string[];
  codeVerifier: string;
  /** Epoch ms of the click. */
  startedAt: number;
}

/** The outcome of reading a returned state: accepted, or expired (the tenant is known then). */
export type ReturnedState =
  | { ok: true; started: StartedAuthorization }
  | { ok: false; reason: 'expired'; started: StartedAuthorization };

export const hashNonce = (nonce: string) => createHash('sha256').update(nonce).digest('hex');

/** A new browser nonce for the binding cookie. */
export const newBrowserNonce = () => randomBytes(24).toString('base64url');

export function createStates(options: { db: Db; keyRing: Sealer; clock: Clock }) {
  const { db, keyRing, clock } = options;

  return {
    /** Stores a started authorization and returns the `state` to send to the provider. */
    async issue(started: StartedAuthorization, browserNonce: string): Promise<string> {
      const id = randomBytes(16).toString('hex');
      const expiresAt = started.startedAt + STATE_TTL_MS;
      await db.oAuthState.create({
        data: {
          id,
          tenantId: started.tenantId,
          provider: started.provider,
          actor: started.actor,
          services: JSON.stringify(started.services),
          codeVerifier: keyRing.encrypt(started.codeVerifier, `${VERIFIER_CONTEXT}/${id}`),
          browserHash: hashNonce(browserNonce),
          startedAt: BigInt(started.startedAt),
          expiresAt: BigInt(expiresAt),
        },
      });
      const sealed = keyRing.encrypt(
        JSON.stringify({ id, tenantId: started.tenantId, provider: started.provider }),
        STATE_CONTEXT,
      );
      return Buffer.from(sealed).toString('base64url');
    },

    /**
     * Reads and spends a returned state. Refuses (403) a state this gateway did not seal, one
     * for another provider, one started in another browser (another person or tenant), and
     * one already used; an expired one is spent and reported, so the failure can be counted.
     */
    async consume(state: string, provider: string, browserNonce: string | undefined): Promise<ReturnedState> {
      let claims: { id: string; tenantId: string; provider: string };
      try {
        claims = JSON.parse(keyRing.decrypt(Buffer.from(state, 'base64url').toString(), STATE_CONTEXT));
      } catch {
        throw new AppError('FORBIDDEN', 'the state parameter was not issued by this gateway');
      }
      if (claims.provider !== provider)
        throw new AppError('FORBIDDEN', `the state was issued for ${claims.provider}`);
      const row = await db.oAuthState.findFirst({ where: { id: claims.id, tenantId: claims.tenantId } });
      if (!row) throw new AppError('FORBIDDEN', 'the state is unknown');
      if (!browserNonce || hashNonce(browserNonce) !== row.browserHash) {
        throw new AppError('FORBIDDEN', 'the connection was started in another browser session');
      }
      const spent = await db.oAuthState.updateMany({
        where: { id: row.id, usedAt: null },
        data: { usedAt: new Date(clock.now()) },
      });
      if (spent.count !== 1) throw new AppError('FORBIDDEN', 'the state was already used');
      const started: StartedAuthorization = {
        tenantId: row.tenantId,
        provider: row.provider as OAuthProviderId,
        actor: row.actor,
        services: JSON.parse(row.services) as string[],
        codeVerifier: keyRing.decrypt(row.codeVerifier, `${VERIFIER_CONTEXT}/${row.id}`),
        startedAt: Number(row.startedAt),
      };
      if (clock.now() > Number(row.expiresAt)) return { ok: false, reason: 'expired', started };
      return { ok: true, started };
    },
  };
}

export type OAuthStates = ReturnType<typeof createStates>;
