import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';

export type SchemaEngine = bindings.SchemaEngine;
export type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';

// @types/node 20 leaves the WebAssembly global undeclared (lib "dom" declares it), so the one
// call used here is typed locally; at run time this is Node's global.
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: object,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let loading: Promise<void> | undefined;

/**
 * Instantiates the WebAssembly module once per process. The package's own entry imports the
 * `.wasm` file the way bundlers do, which Node rejects, so the glue module is wired by hand.
 */
function loadWasm(): Promise<void> {
  loading ??= (async () => {
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    const imports = { './schema_engine_bg.js': withUnreferencedTimers(bindings) };
    const { instance } = await WebAssembly.instantiate(bytes, imports);
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return loading;
}

/**
 * The engine bounds its wait for PostgreSQL's advisory lock with a 10 s timer that it never
 * clears, which kept every process that migrated alive for 10 s after its work was done.
 * Unreferenced, the timer still fires while the process has other work, and no longer holds it.
 */
function withUnreferencedTimers(glue: Record<string, unknown>): Record<string, unknown> {
  const imports = { ...glue };
  for (const [name, value] of Object.entries(glue)) {
    if (!name.startsWith('__wbg_setTimeout_') || typeof value !== 'function') continue;
    const setTimer = value as (callback: () => void, delayMs: number) => NodeJS.Timeout;
    imports[name] = (callback: () => void, delayMs: number) => setTimer(callback, delayMs).unref();
  }
  return imports;
}

export interface EngineSession {
  engine: SchemaEngine;
  /** Frees the engine and closes every connection it opened. */
  close(): Promise<void>;
}

/**
 * Starts a schema engine that reaches the database through `adapterFactory`. `schema` (a Prisma
 * schema's path and text) is needed only to diff against it; applying migrations works without.
 */
export async function openSchemaEngine(options: {
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  schema?: { path: string; content: string };
}): Promise<EngineSession> {
  await loadWasm();
  // The engine does not dispose the connections it opens, so they are tracked here.
  const connections: SqlDriverAdapter[] = [];
  const inner = options.adapterFactory;
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => remember(await inner.connect()),
    connectToShadowDb: async () => remember(await inner.connectToShadowDb()),
  };
  function remember(connection: SqlDriverAdapter): SqlDriverAdapter {
    connections.push(connection);
    return connection;
  }
  const datamodels: [string, string][] | undefined = options.schema
    ? [[options.schema.path, options.schema.content]]
    : undefined;
  const engine = await bindings.SchemaEngine.new(
    { datamodels },
    // The engine reports its progress as JSON tracing lines; callers report outcomes instead.
    () => {},
    bindMigrationAwareSqlAdapterFactory(tracked),
  );
  return {
    engine,
    async close() {
      engine.free();
      await Promise.all(connections.splice(0).map((connection) => connection.dispose()));
    },
  };
}
