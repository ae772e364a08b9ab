import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { llmIntegration } from '../agent/llm-connector.ts';
import { createOfflineAgent } from '../agent/offline-agent.ts';
import { createTenantAgent } from '../agent/tenant-agent.ts';
import { createToolRegistry } from '../agent/tool-registry.ts';
import { createRequestHumanTool } from '../agent/tools/request-human.ts';
import type { Agent } from '../agent/types.ts';
import type { Tracker } from '../analytics/tracker.ts';
import { channels } from '../channels/registry.ts';
import type { ProviderEnvironment } from '../channels/types.ts';
import { createConnectorConfigs } from '../connectors/configs.ts';
import { createConnectorHub } from '../connectors/hub.ts';
import type { KeyRing } from '../connectors/key-ring.ts';
import { buildConnectorRegistry, fromIntegration } from '../connectors/registry.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { createDeliverHandler, type DispatcherDependencies } from '../dispatcher/deliver.ts';
import { DELIVER_JOB } from '../dispatcher/outbox.ts';
import { createPacer } from '../dispatcher/pacing.ts';
import { integrations } from '../integrations/registry.ts';
import type { Tool } from '../integrations/types.ts';
import { createIngestor } from '../normalizer/ingestor.ts';
import { smtpConnector } from '../notifications/smtp-connector.ts';
import { createStaffNotifier } from '../notifications/staff-notifier.ts';
import { startWorker, type Worker } from '../queue/worker.ts';
import type { Store } from '../store/index.ts';
import { createAnalytics } from './analytics.ts';
import { createAuthenticator } from './auth.ts';
import { registerErrorHandling } from './error-handler.ts';
import { createEventBus, type EventBus } from './events.ts';
import { createLoginLimiter } from './login-limiter.ts';
import { createRespondHandler, enqueueResponses, RESPOND_JOB } from './respond-job.ts';
import { agentSettingsRoutes } from './routes/agent-settings.ts';
import { analyticsAdminRoutes } from './routes/analytics-admin.ts';
import { analyticsCollectorRoutes } from './routes/analytics-collector.ts';
import { connectorHubRoutes } from './routes/connector-hub.ts';
import { conversationActionRoutes } from './routes/conversation-actions.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { eventStreamRoutes } from './routes/events-stream.ts';
import { staffAuthRoutes } from './routes/staff-auth.ts';
import { staffUserRoutes } from './routes/staff-users.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { createSessionAuthenticator } from './session-auth.ts';
import { webUiRoutes } from './web-ui.ts';
import { workspaceEvents } from './workspace-events.ts';

export interface AppDependencies {
  config: Config;
  store: Store;
  keyRing: KeyRing;
  clock?: Clock;
  fetch?: typeof fetch;
  agent?: Agent;
  /** Tools beside the built-in ones, e.g. a test's own; each needs its connector registered. */
  tools?: Tool[];
  /** Pino options, or false for silence (tests). */
  logger?: boolean | { level: string };
  /** How often an idle worker looks for due jobs (tests shorten it). */
  pollMs?: number;
  /** The built web UI's folder; default `web/dist` in the repository. */
  webRoot?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The job worker of this process, when it runs one. */
    worker: Worker | undefined;
    /** This process's analytics tracker. */
    analytics: Tracker;
    /** The live event stream's bus: publish workspace events (e.g. pending actions) here. */
    events: EventBus;
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
            redact: [
              'req.headers.authorization',
              'req.headers["x-telegram-bot-api-secret-token"]',
              'req.headers["x-write-key"]',
            ],
          },
    requestIdHeader: 'x-request-id',
    bodyLimit: 1024 * 1024,
  });
  app.decorateRequest('caller', undefined);
  app.decorateRequest('staff', undefined);
  await app.register(fastifyCookie);
  const events = await createEventBus(store);
  const live = workspaceEvents(events);
  registerErrorHandling(app);

  const registry = buildConnectorRegistry(environment);
  const configs = createConnectorConfigs({ db, keyRing, clock });
  const loadConfig: DispatcherDependencies['loadConfig'] = async (tenantId, channel) => {
    const connector = registry.get(channel);
    return connector ? (await configs.load(tenantId, connector.definition))?.values : undefined;
  };
  const analytics = createAnalytics({
    config,
    db,
    clock,
    logger: app.log,
    fetch: environment.fetch,
    configs,
    registry,
  });
  registry.set(smtpConnector.definition.id, smtpConnector);
  const notifier = createStaffNotifier({
    db,
    clock,
    loadSmtpConfig: async (tenantId) => (await configs.load(tenantId, smtpConnector.definition))?.values,
  });
  registry.set(llmIntegration.id, fromIntegration(llmIntegration));
  const toolRegistry = createToolRegistry({
    db,
    tracker: analytics.tracker,
    clock,
    tools: [
      createRequestHumanTool({ db, notifyStaff: live.needsHuman(notifier.conversationNeedsHuman) }),
      ...Object.values(integrations).flatMap((integration) => integration.tools),
      ...(dependencies.tools ?? []),
    ],
    loadConfig,
  });
  const agent =
    dependencies.agent ??
    createTenantAgent({
      db,
      registry: toolRegistry,
      offline: createOfflineAgent({ now: () => new Date(clock.now()) }),
      defaultConnection:
        config.llm.apiKey || config.llm.baseUrl
          ? { apiKey: config.llm.apiKey ?? 'none', baseUrl: config.llm.baseUrl, model: config.llm.model }
          : undefined,
      loadLlmConfig: (tenantId) => loadConfig(tenantId, llmIntegration.id),
      notifyStaff: live.needsHuman(notifier.conversationNeedsHuman),
      logger: app.log,
      timeoutMs: config.llm.timeoutMs,
    });
  const hub = createConnectorHub({ db, registry, configs });
  const authenticator = createAuthenticator({ db, clock });
  const sessions = createSessionAuthenticator({ db, clock });
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
    onOutcome: live.onOutcome(analytics.onOutcome),
    onDeadLettered: notifier.replyDeadLettered,
  };
  let worker: Worker | undefined;
  const wakeWorker = () => worker?.wake();
  const ingestor = createIngestor({
    db,
    onStored: live.onStored(analytics.withReceivedEvents(enqueueResponses(clock))),
  });
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
        ...analytics.jobHandlers,
        ...notifier.jobHandlers,
      },
    });
  }
  app.decorate('worker', worker);
  app.decorate('analytics', analytics.tracker);
  app.decorate('events', events);

  app.get('/healthz', async () => {
    await db.$queryRaw`SELECT 1`;
    return { ok: true };
  });

  await app.register(async (admin) => {
    // The admin API speaks JSON only; Fastify's default text/plain parser would let a plain-text body through.
    admin.removeContentTypeParser('text/plain');
    admin.addHook('onRequest', async (request) => {
      request.caller = sessions.applies(request)
        ? await sessions.authenticate(request)
        : await authenticator.authenticate(request);
    });
    await admin.register(tenantRoutes, { db });
    await admin.register(connectorHubRoutes, { hub });
    await admin.register(conversationRoutes, { db });
    await admin.register(agentSettingsRoutes, { db });
    await admin.register(analyticsAdminRoutes, { db, writeKeys: analytics.writeKeys, clock });
    await admin.register(staffUserRoutes, { db, clock, publicUrl: config.publicUrl });
    await admin.register(conversationActionRoutes, {
      db,
      clock,
      events,
      channels,
      maxDeliveryAttempts: config.maxDeliveryAttempts,
      onReplyRecorded: wakeWorker,
    });
    await admin.register(eventStreamRoutes, { events });
  });
  await app.register(staffAuthRoutes, { db, clock, limiter: createLoginLimiter(clock) });
  await app.register(webUiRoutes, dependencies.webRoot ? { root: dependencies.webRoot } : {});
  await app.register(analyticsCollectorRoutes, { ...analytics, clock });
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
    // Last: the worker and the ingestor above may still have tracked events.
    await analytics.tracker.close();
    await events.close();
  });
  return app;
}
