/**
 * What every connector (channel or tool integration) declares so the connector hub can
 * list it, store its configuration and show its setup guide.
 */
export interface ConnectorField {
  key: string;
  label: string;
  required: boolean;
  /** Secret fields are encrypted at rest and masked in every response. */
  secret: boolean;
  description?: string;
}

export type ConnectorCategory = 'messaging' | 'email' | 'voice' | 'ai' | 'productivity' | 'crm' | 'analytics';

export interface SetupDocs {
  en: string;
  de: string;
}

/** A connector's stored configuration: plain and decrypted secret values by field key. */
export type ConnectorValues = Record<string, string>;

/** The outcome of checking credentials against the provider. */
export type ConnectionCheck = { ok: true; detail: string } | { ok: false; detail: string };

export interface ConnectorDefinition {
  id: string;
  name: string;
  category: ConnectorCategory;
  fields: ConnectorField[];
  docs: SetupDocs;
  /**
   * Set when the provider shut the service down (ISO date): the catalog still lists the
   * connector, with docs that say so, but it can no longer be configured or tested.
   */
  retiredOn?: string;
}
