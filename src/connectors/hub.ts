import type { ConnectionCheck, ConnectorField, ConnectorValues } from '../core/connector.ts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../store/index.ts';
import { writeAudit } from './audit.ts';
import type { ConnectorConfigs, ConnectorStatus } from './configs.ts';
import { isMasked, maskSecret } from './mask.ts';
import type { HubConnector } from './registry.ts';

/** Who is acting on whose behalf; every change is audited with these. */
export interface HubActor {
  tenantId: string;
  tenantSlug: string;
  actor: string;
}

export interface CatalogEntry {
  id: string;
  name: string;
  category: string;
  fields: ConnectorField[];
  /** `retired`: the provider shut the service down; the setup docs say what to use instead. */
  status: ConnectorStatus | 'not_configured' | 'retired';
}

export interface MaskedConfig {
  connectorId: string;
  status: ConnectorStatus | 'not_configured';
  statusDetail: string | null;
  /** The declared fields, secrets masked: what a form edits and may send back unchanged. */
  values: Record<string, string>;
  /** What setup learned from the provider (read-only). */
  details: Record<string, string>;
  updatedAt: string | null;
  /**
   * Only in the answer to the save that produced them: values to copy now, such as a
   * generated webhook URL with credentials. Never stored, never shown again.
   */
  reveal?: Record<string, string>;
}

/**
 * The connector hub: lists connectors with their status, stores configurations with
 * secrets encrypted and masked on the way out, runs provider setup and connection tests,
 * and writes every change to the audit log without its values.
 */
export function createConnectorHub(options: {
  db: Db;
  registry: Map<string, HubConnector>;
  configs: ConnectorConfigs;
}) {
  const { db, registry, configs } = options;

  function connector(id: string): HubConnector {
    const found = registry.get(id);
    if (!found) throw new AppError('UNKNOWN_CONNECTOR', `there is no connector "${id}"`);
    return found;
  }

  /** A connector whose service was shut down can be read about, not configured or tested. */
  function refuseRetired(found: HubConnector): void {
    if (found.definition.retiredOn) {
      throw new AppError(
        'CONNECTOR_RETIRED',
        `${found.definition.name} was shut down on ${found.definition.retiredOn} and can no longer be configured; its setup docs name alternatives`,
      );
    }
  }

  /** Splits stored values into masked declared fields and read-only details from setup. */
  function present(found: HubConnector, stored: ConnectorValues) {
    const fields = new Map(found.definition.fields.map((field) => [field.key, field]));
    const values: Record<string, string> = {};
    const details: Record<string, string> = {};
    for (const [key, value] of Object.entries(stored)) {
      const field = fields.get(key);
      if (!field) details[key] = value;
      else values[key] = field.secret ? maskSecret(value) : value;
    }
    return { values, details };
  }

  async function view(tenantId: string, found: HubConnector): Promise<MaskedConfig> {
    const stored = await configs.load(tenantId, found.definition);
    return {
      connectorId: found.definition.id,
      status: stored?.status ?? 'not_configured',
      statusDetail: stored?.statusDetail ?? null,
      ...(stored ? present(found, stored.values) : { values: {}, details: {} }),
      updatedAt: stored?.updatedAt.toISOString() ?? null,
    };
  }

  return {
    async catalog(tenantId: string): Promise<CatalogEntry[]> {
      const statuses = await configs.statuses(tenantId);
      return [...registry.values()].map(({ definition }) => ({
        id: definition.id,
        name: definition.name,
        category: definition.category,
        fields: definition.fields,
        status: definition.retiredOn ? 'retired' : (statuses.get(definition.id) ?? 'not_configured'),
      }));
    },

    getConfig(tenantId: string, connectorId: string): Promise<MaskedConfig> {
      return view(tenantId, connector(connectorId));
    },

    /**
     * Merges `input` into the stored configuration. A secret left out, or sent back in its
     * masked form, keeps its stored value; an empty string clears an optional field.
     */
    async updateConfig(
      who: HubActor,
      connectorId: string,
      input: Record<string, unknown>,
    ): Promise<MaskedConfig> {
      const found = connector(connectorId);
      refuseRetired(found);
      const fields = new Map(found.definition.fields.map((field) => [field.key, field]));
      for (const [key, value] of Object.entries(input)) {
        if (!fields.has(key))
          throw new AppError('VALIDATION_FAILED', `"${key}" is not a field of ${connectorId}`);
        if (typeof value !== 'string') throw new AppError('VALIDATION_FAILED', `"${key}" must be a string`);
      }
      const stored = await configs.load(who.tenantId, found.definition);
      let values: ConnectorValues = { ...(stored?.values ?? {}) };
      const changed: string[] = [];
      for (const [key, raw] of Object.entries(input as Record<string, string>)) {
        const value = raw.trim();
        if (fields.get(key)!.secret && isMasked(value)) continue;
        if (value === '') delete values[key];
        else values[key] = value;
        changed.push(key);
      }
      for (const field of found.definition.fields) {
        if (field.required && !values[field.key]) {
          throw new AppError('VALIDATION_FAILED', `"${field.key}" is required for ${connectorId}`);
        }
      }
      values = found.prepareConfig ? found.prepareConfig(values) : values;
      const reveal = found.reveal?.(values, stored?.values, who.tenantSlug);
      let status: ConnectorStatus = 'configured';
      let detail: string | null = null;
      if (found.setup) {
        try {
          values = { ...values, ...(await found.setup(values, who.tenantSlug)) };
          status = 'connected';
        } catch (error) {
          status = 'error';
          detail = error instanceof AppError ? error.message : 'setting up the connection failed';
        }
      }
      await configs.save(who.tenantId, found.definition, values, status, detail);
      await writeAudit(db, {
        tenantId: who.tenantId,
        actor: who.actor,
        action: 'connector.config.updated',
        target: connectorId,
        details: { fields: changed, status },
      });
      const saved = await view(who.tenantId, found);
      return reveal ? { ...saved, reveal } : saved;
    },

    async deleteConfig(who: HubActor, connectorId: string): Promise<void> {
      const found = connector(connectorId);
      // A configuration that no longer decrypts (its key left the ring) must still be deletable.
      const stored = await configs.load(who.tenantId, found.definition).catch(() => undefined);
      // The provider may be unreachable or the credentials already revoked: deleting must still work.
      const unregistered =
        stored && found.teardown
          ? await found.teardown(stored.values).then(
              () => true,
              () => false,
            )
          : undefined;
      if (!(await configs.remove(who.tenantId, connectorId))) {
        throw new AppError('NOT_FOUND', `${connectorId} has no stored configuration`);
      }
      await writeAudit(db, {
        tenantId: who.tenantId,
        actor: who.actor,
        action: 'connector.config.deleted',
        target: connectorId,
        details: unregistered === undefined ? {} : { unregistered },
      });
    },

    async test(who: HubActor, connectorId: string): Promise<ConnectionCheck> {
      const found = connector(connectorId);
      refuseRetired(found);
      const stored = await configs.load(who.tenantId, found.definition);
      if (!stored) throw new AppError('NOT_FOUND', `${connectorId} has no stored configuration to test`);
      const check = await found
        .test(stored.values)
        .catch((): ConnectionCheck => ({ ok: false, detail: 'the connection test failed unexpectedly' }));
      await configs.setStatus(who.tenantId, connectorId, check.ok ? 'connected' : 'error', check.detail);
      await writeAudit(db, {
        tenantId: who.tenantId,
        actor: who.actor,
        action: 'connector.tested',
        target: connectorId,
        details: { ok: check.ok },
      });
      return check;
    },

    setupDocs(connectorId: string, language: 'en' | 'de') {
      const found = connector(connectorId);
      return { connectorId, language, markdown: found.definition.docs[language] };
    },
  };
}

export type ConnectorHub = ReturnType<typeof createConnectorHub>;
