import type { Clock } from '../core/clock.ts';
import type { ConnectorDefinition, ConnectorValues } from '../core/connector.ts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../store/index.ts';
import type { KeyRing } from './key-ring.ts';

export type ConnectorStatus = 'configured' | 'connected' | 'error';

export interface StoredConfig {
  /** Plain and decrypted secret values together. */
  values: ConnectorValues;
  status: ConnectorStatus;
  statusDetail: string | null;
  updatedAt: Date;
}

export interface ConnectorConfigs {
  load(tenantId: string, definition: ConnectorDefinition): Promise<StoredConfig | undefined>;
  save(
    tenantId: string,
    definition: ConnectorDefinition,
    values: ConnectorValues,
    status: ConnectorStatus,
    statusDetail: string | null,
  ): Promise<void>;
  setStatus(
    tenantId: string,
    connectorId: string,
    status: ConnectorStatus,
    statusDetail: string | null,
  ): Promise<void>;
  remove(tenantId: string, connectorId: string): Promise<boolean>;
  /** Connector ids with a stored configuration, with their status. */
  statuses(tenantId: string): Promise<Map<string, ConnectorStatus>>;
}

/**
 * Connector configurations at rest: secret fields are sealed with the key ring, bound to
 * tenant, connector and field, so a ciphertext copied elsewhere does not decrypt.
 * Decrypted configurations are cached briefly because every webhook needs one; a write in
 * this process evicts at once, other processes see it within the cache lifetime.
 */
export function createConnectorConfigs(options: {
  db: Db;
  keyRing: KeyRing;
  clock: Clock;
  cacheTtlMs?: number;
}): ConnectorConfigs {
  const { db, keyRing, clock } = options;
  const cacheTtlMs = options.cacheTtlMs ?? 5_000;
  const cache = new Map<string, { config: StoredConfig | undefined; expiresAt: number }>();
  const cacheKey = (tenantId: string, connectorId: string) => `${tenantId}/${connectorId}`;
  const context = (tenantId: string, connectorId: string, field: string) =>
    `${tenantId}/${connectorId}/${field}`;

  return {
    async load(tenantId, definition) {
      const key = cacheKey(tenantId, definition.id);
      const cached = cache.get(key);
      if (cached && cached.expiresAt > clock.now()) return cached.config;
      const row = await db.connectorConfig.findUnique({
        where: { tenantId_connectorId: { tenantId, connectorId: definition.id } },
      });
      let config: StoredConfig | undefined;
      if (row) {
        const values = JSON.parse(row.values) as ConnectorValues;
        const sealed = JSON.parse(row.secrets) as Record<string, string>;
        for (const [field, value] of Object.entries(sealed)) {
          try {
            values[field] = keyRing.decrypt(value, context(tenantId, definition.id, field));
          } catch (error) {
            throw new AppError(
              'CONFIG_UNREADABLE',
              `the stored ${definition.id} configuration cannot be decrypted: ${(error as Error).message}; restore the key to SWITCHBOARD_SECRET_KEY, or delete the configuration and enter it again`,
            );
          }
        }
        config = {
          values,
          status: row.status as ConnectorStatus,
          statusDetail: row.statusDetail,
          updatedAt: row.updatedAt,
        };
      }
      cache.set(key, { config, expiresAt: clock.now() + cacheTtlMs });
      return config;
    },

    async save(tenantId, definition, values, status, statusDetail) {
      const secretKeys = new Set(definition.fields.filter((field) => field.secret).map((field) => field.key));
      const plain: ConnectorValues = {};
      const sealed: Record<string, string> = {};
      for (const [field, value] of Object.entries(values)) {
        if (secretKeys.has(field))
          sealed[field] = keyRing.encrypt(value, context(tenantId, definition.id, field));
        else plain[field] = value;
      }
      const data = { values: JSON.stringify(plain), secrets: JSON.stringify(sealed), status, statusDetail };
      await db.connectorConfig.upsert({
        where: { tenantId_connectorId: { tenantId, connectorId: definition.id } },
        create: { tenantId, connectorId: definition.id, ...data },
        update: data,
      });
      cache.delete(cacheKey(tenantId, definition.id));
    },

    async setStatus(tenantId, connectorId, status, statusDetail) {
      await db.connectorConfig.updateMany({
        where: { tenantId, connectorId },
        data: { status, statusDetail },
      });
      cache.delete(cacheKey(tenantId, connectorId));
    },

    async remove(tenantId, connectorId) {
      const result = await db.connectorConfig.deleteMany({ where: { tenantId, connectorId } });
      cache.delete(cacheKey(tenantId, connectorId));
      return result.count > 0;
    },

    async statuses(tenantId) {
      const rows = await db.connectorConfig.findMany({
        where: { tenantId },
        select: { connectorId: true, status: true },
      });
      return new Map(rows.map((row) => [row.connectorId, row.status as ConnectorStatus]));
    },
  };
}
