import type { ConnectorDefinition, ConnectorField } from '../../core/connector.ts';
import type { Integration, Tool } from '../types.ts';
import { testOAuthClient } from './connection-test.ts';
import type { OAuthHosts, OAuthProvider } from './providers.ts';

/** The connector fields every OAuth provider has (the keys), before its own. */
export function oauthFields(provider: OAuthProvider): ConnectorField[] {
  return [
    { key: 'client_id', label: 'Client ID', required: true, secret: false },
    { key: 'client_secret', label: 'Client secret', required: true, secret: true },
    {
      key: 'services',
      label: 'Services',
      required: false,
      secret: false,
      description: `Comma-separated: ${provider.services.map((service) => service.key).join(', ')} (all when empty).`,
    },
  ];
}

/** An OAuth provider as a tool integration: its connector, client test and tools. */
export function oauthIntegration(options: {
  provider: OAuthProvider;
  definition: ConnectorDefinition;
  hosts: OAuthHosts;
  redirectUri: string;
  tools: Tool[];
}): Integration {
  const { provider, hosts, redirectUri } = options;
  return {
    id: provider.id,
    connector: options.definition,
    test: (config, _signal, egress) => testOAuthClient(provider, hosts, redirectUri, config, egress),
    tools: options.tools,
  };
}
