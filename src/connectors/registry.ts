import { channels } from '../channels/registry.ts';
import type { ChannelAdapter, ProviderEnvironment } from '../channels/types.ts';
import type { ConnectionCheck, ConnectorDefinition, ConnectorValues } from '../core/connector.ts';
import type { Egress } from '../core/egress.ts';
import { integrations } from '../integrations/registry.ts';
import type { Integration } from '../integrations/types.ts';
import { retiredConnectors } from './retired.ts';

/** What the hub needs of any connector, whether it is a channel or a tool integration. */
export interface HubConnector {
  definition: ConnectorDefinition;
  /** Fills generated fields before the configuration is stored. */
  prepareConfig?(values: ConnectorValues): ConnectorValues;
  /** Registers with the provider after a save (webhooks); returns values to store beside the input. */
  setup?(values: ConnectorValues, tenantSlug: string): Promise<ConnectorValues>;
  /** Values shown once in the answer to a save (see `ChannelAdapter.revealOnSave`); never stored. */
  reveal?(
    values: ConnectorValues,
    previous: ConnectorValues | undefined,
    tenantSlug: string,
  ): Record<string, string> | undefined;
  /** Undoes setup when the configuration is deleted. */
  teardown?(values: ConnectorValues): Promise<void>;
  test(values: ConnectorValues): Promise<ConnectionCheck>;
}

/** The webhook URL a provider must call for one tenant's channel. */
export function webhookUrl(environment: ProviderEnvironment, channel: string, tenantSlug: string): string {
  return `${environment.publicUrl}/webhook/${channel}/${encodeURIComponent(tenantSlug)}`;
}

function fromChannel(adapter: ChannelAdapter, environment: ProviderEnvironment): HubConnector {
  const { setup, teardown, revealOnSave } = adapter;
  return {
    definition: adapter.connector,
    ...(adapter.prepareConfig ? { prepareConfig: adapter.prepareConfig } : {}),
    ...(setup
      ? {
          setup: async (config, tenantSlug) =>
            (
              await setup({
                config,
                environment,
                tenantSlug,
                webhookUrl: webhookUrl(environment, adapter.id, tenantSlug),
              })
            ).values,
        }
      : {}),
    ...(revealOnSave
      ? {
          reveal: (config, previousConfig, tenantSlug) =>
            revealOnSave({
              config,
              previousConfig,
              webhookUrl: webhookUrl(environment, adapter.id, tenantSlug),
            }),
        }
      : {}),
    ...(teardown ? { teardown: (config) => teardown({ config, environment }) } : {}),
    test: (config) => adapter.test({ config, environment }),
  };
}

/** How long a tool integration's connection test may take. */
const INTEGRATION_TEST_MS = 15_000;

/**
 * A tool integration (IMAP, CalDAV, an LLM) as a hub connector: its test gets the decrypted
 * values and connects through the egress guard.
 */
export function fromIntegration(integration: Integration, egress: Egress): HubConnector {
  return {
    definition: integration.connector,
    test: (values) => integration.test(values, AbortSignal.timeout(INTEGRATION_TEST_MS), egress),
  };
}

/** Every connector in the hub, by id. */
export function buildConnectorRegistry(
  environment: ProviderEnvironment,
  egress: Egress,
): Map<string, HubConnector> {
  return new Map([
    ...Object.values(channels).map((adapter) => [adapter.id, fromChannel(adapter, environment)] as const),
    ...retiredConnectors.map((connector) => [connector.definition.id, connector] as const),
    ...Object.values(integrations).map(
      (integration) => [integration.id, fromIntegration(integration, egress)] as const,
    ),
  ]);
}
