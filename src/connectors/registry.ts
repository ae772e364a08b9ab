import { channels } from '../channels/registry.ts';
import type { ChannelAdapter, ProviderEnvironment } from '../channels/types.ts';
import type { ConnectionCheck, ConnectorDefinition, ConnectorValues } from '../core/connector.ts';

/** What the hub needs of any connector, whether it is a channel or a tool integration. */
export interface HubConnector {
  definition: ConnectorDefinition;
  /** Fills generated fields before the configuration is stored. */
  prepareConfig?(values: ConnectorValues): ConnectorValues;
  /** Registers with the provider after a save (webhooks); returns values to store beside the input. */
  setup?(values: ConnectorValues, tenantSlug: string): Promise<ConnectorValues>;
  /** Undoes setup when the configuration is deleted. */
  teardown?(values: ConnectorValues): Promise<void>;
  test(values: ConnectorValues): Promise<ConnectionCheck>;
}

/** The webhook URL a provider must call for one tenant's channel. */
export function webhookUrl(environment: ProviderEnvironment, channel: string, tenantSlug: string): string {
  return `${environment.publicUrl}/webhook/${channel}/${encodeURIComponent(tenantSlug)}`;
}

function fromChannel(adapter: ChannelAdapter, environment: ProviderEnvironment): HubConnector {
  const { setup, teardown } = adapter;
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
    ...(teardown ? { teardown: (config) => teardown({ config, environment }) } : {}),
    test: (config) => adapter.test({ config, environment }),
  };
}

/** Every connector in the hub, by id. */
export function buildConnectorRegistry(environment: ProviderEnvironment): Map<string, HubConnector> {
  return new Map(
    Object.values(channels).map((adapter) => [adapter.id, fromChannel(adapter, environment)] as const),
  );
}
