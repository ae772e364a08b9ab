/** The Google and Microsoft tools on a real database with a connected grant, against the fakes. */
import { generateKeySpecification, parseKeyRing } from '../../../src/connectors/key-ring.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { createGoogleIntegration } from '../../../src/integrations/google/integration.ts';
import { createMicrosoftIntegration } from '../../../src/integrations/microsoft/integration.ts';
import { createGrants, type Grants } from '../../../src/integrations/oauth/grants.ts';
import type { OAuthProviderId } from '../../../src/integrations/oauth/providers.ts';
import type { Integration, Tool, ToolContext } from '../../../src/integrations/types.ts';
import type { FakeOAuth } from '../../fakes/oauth-server.ts';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET } from '../../fakes/oauth-server.ts';
import { createTestStore, type TestStore } from '../../support/database.ts';
import { toolContext } from '../tool-run.ts';

export interface ToolWorld {
  store: TestStore;
  tenantId: string;
  grants: Grants;
  integration: Integration;
  tool(name: string): Tool;
  /** A context for the tenant with the connector's values and the caller and key given. */
  context(
    overrides?: Partial<Pick<ToolContext, 'caller' | 'idempotencyKey'>>,
    values?: Record<string, string>,
  ): ToolContext;
  notices: number;
  dispose(): Promise<void>;
}

export async function startToolWorld(
  provider: OAuthProviderId,
  fakeUrl: string,
  oauth: FakeOAuth,
): Promise<ToolWorld> {
  const store = await createTestStore();
  const tenant = await store.db.tenant.create({ data: { slug: 'bakery', name: 'Bakery' } });
  const hosts = {
    googleAccounts: 'https://accounts.fake-google.test',
    googleOauth2: fakeUrl,
    googleApi: fakeUrl,
    microsoftLogin: fakeUrl,
    microsoftGraph: fakeUrl,
  };
  const world = { notices: 0 } as ToolWorld;
  const grants = createGrants({
    db: store.db,
    keyRing: parseKeyRing(generateKeySpecification()),
    clock: systemClock,
    hosts,
    redirectUri: () => `https://gateway.test/oauth/callback/${provider}`,
    onReconnectNeeded: async () => {
      world.notices += 1;
    },
  });
  const live = oauth.grant();
  await store.db.oAuthGrant.create({
    data: {
      tenantId: tenant.id,
      provider,
      ...grants.sealTokens(tenant.id, provider, { ...live, expiresIn: 3600, scopes: [] }),
      connectedAt: new Date(),
    },
  });
  const options = { hosts, redirectUri: `https://gateway.test/oauth/callback/${provider}`, grants };
  const integration =
    provider === 'google' ? createGoogleIntegration(options) : createMicrosoftIntegration(options);
  return Object.assign(world, {
    store,
    tenantId: tenant.id,
    grants,
    integration,
    tool(name: string) {
      const found = integration.tools.find((candidate) => candidate.name === name);
      if (!found) throw new Error(`no tool ${name}`);
      return found;
    },
    context(overrides = {}, values = {}) {
      return toolContext(
        { client_id: FAKE_CLIENT_ID, client_secret: FAKE_CLIENT_SECRET, ...values },
        AbortSignal.timeout(15_000),
        new Date(),
        { tenantId: tenant.id, ...overrides },
      );
    },
    dispose: () => store.dispose(),
  });
}

/** Runs a tool with arguments parsed by its schema, as the registry does. */
export function run(tool: Tool, input: unknown, context: ToolContext) {
  return tool.run(tool.inputSchema.parse(input), context);
}
