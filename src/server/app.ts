import Fastify, { type FastifyInstance } from 'fastify';
import { offlineAgent } from '../agent/offline-agent.ts';
import type { Agent } from '../agent/types.ts';
import { channels } from '../channels/registry.ts';
import type { ProviderEnvironment } from '../channels/types.ts';
import { createConnectorConfigs } from '../connectors/configs.ts';
import { createConnectorHub } from '../connectors/hub.ts';
import type { KeyRing } from '../connectors/key-ring.ts';
import { buildConnectorRegistry } from '../connectors/registry.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { createDeliverHandler, type DispatcherDependencies } from '../dispatcher/deliver.ts';
import { DELIVER_JOB } from '../dispatcher/outbox.ts';
import { createPacer } from '../dispatcher/pacing.ts';
import { createIngestor } from '../normalizer/ingestor.ts';
import { startWorker, type Worker } from '../queue/worker.ts';
import type { Store } from '../store/index.ts';
import { createAuthenticator } from './auth.ts';
import { registerErrorHandling } from './error-handler.ts';
import { createRespondHandler, enqueueResponses, RESPOND_JOB } from './respond-job.ts';
import { connectorHubRoutes } from './routes/connector-hub.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export interface AppDependencies {
  config: Config;
  store: Store;
  keyRing: KeyRing;
  clock?: Clock;
  fetch?: typeof fetch;
  agent?: Agent;
  /** Pino options, or false for silence (tests). */
  logger?: boolean | { level: string };
  /** How often an idle worker looks for due jobs (tests shorten it). */
  pollMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The job worker of this process, when it runs one. */
    worker: Worker | undefined;
  }
}

/**
 * Builds the gateway: HTTP routes, the ingest pipeline and (unless the configured
 * concurrency is 0) this process's job worker. Closing the app stops taking work, drains
 * in-flight jobs and pending writes; the store is the caller's to close afterwards.
 */
export async function buildApp(dependencies: AppDependencies): Promise<FastifyInstance> {
  const { config, store, keyRing } = dependencies;
  const { db } = store;
  const clock = dependencies.clock ?? systemClock;
  const agent = dependencies.agent ?? offlineAgent;
  const environment: ProviderEnvironment = {
    publicUrl: config.publicUrl,
    telegramApiRoot: config.telegramApiRoot,
    metaGraphApiUrl: config.metaGraphApiUrl,
    metaGraphApiVersion: config.metaGraphApiVersion,
    twilioApiBaseUrl: config.twilioApiBaseUrl,
    postmarkApiUrl: config.postmarkApiUrl,
    fetch: dependencies.fetch ?? fetch,
  };

  const app = Fastify({
    logger:
      dependencies.logger === false
        ? false
        : {
            level:
              dependencies.logger === true || !dependencies.logger
                ? config.logLevel
                : dependencies.logger.level,
            redact: ['req.headers.authorization', 'req.headers["x-telegram-bot-api-secret-token"]'],
          },
    requestIdHeader: 'x-request-id',
    bodyLimit: 1024 * 1024,
  });
  app.decorateRequest('caller', undefined);
  registerErrorHandling(app);

  const registry = buildConnectorRegistry(environment);
  const configs = createConnectorConfigs({ db, keyRing, clock });
  const loadConfig: DispatcherDependencies['loadConfig'] = async (tenantId, channel) => {
    const connector = registry.get(channel);
    return connector ? (await configs.load(tenantId, connector.definition))?.values : undefined;
  };
  const hub = createConnectorHub({ db, registry, configs });
  const authenticator = createAuthenticator({ db, clock });
  const tenants = new Map<string, { id: string; expiresAt: number }>();
  const tenantBySlug = async (slug: string) => {
    const cached = tenants.get(slug);
    if (cached && cached.expiresAt > clock.now()) return cached;
    const tenant = await db.tenant.findUnique({ where: { slug }, select: { id: true } });
    if (tenant) tenants.set(slug, { id: tenant.id, expiresAt: clock.now() + 30_000 });
    return tenant ?? undefined;
  };

  const dispatcher: DispatcherDependencies = {
    db,
    channels,
    loadConfig,
    environment,
    clock,
    pacer: createPacer(clock),
  };
  let worker: Worker | undefined;
  const wakeWorker = () => worker?.wake();
  const ingestor = createIngestor({ db, onStored: enqueueResponses(clock) });
  if (config.workerConcurrency > 0) {
    worker = startWorker({
      db,
      dialect: store.dialect,
      clock,
      logger: app.log,
      concurrency: config.workerConcurrency,
      leaseMs: config.jobLeaseMs,
      backoff: config.retry,
      ...(dependencies.pollMs ? { pollMs: dependencies.pollMs } : {}),
      handlers: {
        [RESPOND_JOB]: createRespondHandler({
          ...dispatcher,
          agent,
          clock,
          maxDeliveryAttempts: config.maxDeliveryAttempts,
          onReplyRecorded: wakeWorker,
        }),
        [DELIVER_JOB]: createDeliverHandler(dispatcher),
      },
    });
  }
  app.decorate('worker', worker);

  app.get('/healthz', async () => {
    await db.$queryRaw`SELECT 1`;
    return { ok: true };
  });

  await app.register(async (admin) => {
    // The admin API speaks JSON only; Fastify's default text/plain parser would let a plain-text body through.
    admin.removeContentTypeParser('text/plain');
    admin.addHook('onRequest', async (request) => {
      request.caller = await authenticator.authenticate(request);
    });
    await admin.register(tenantRoutes, { db });
    await admin.register(connectorHubRoutes, { hub });
    await admin.register(conversationRoutes, { db });
  });
  await app.register(webhookRoutes, {
    channels,
    publicUrl: config.publicUrl,
    tenantBySlug,
    loadConfig,
    ingestor,
    onIngested: wakeWorker,
  });

  app.addHook('onClose', async () => {
    await worker?.stop();
    await ingestor.drain();
  });
  return app;
}
