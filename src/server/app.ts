import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { llmIntegration } from '../agent/llm-connector.ts';
import { createOfflineAgent } from '../agent/offline-agent.ts';
import { loadAgentSettings } from '../agent/settings.ts';
import { createTenantAgent, type TenantAgentOptions } from '../agent/tenant-agent.ts';
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
import { createEgress } from '../core/egress.ts';
import { createDeliverHandler, type DispatcherDependencies } from '../dispatcher/deliver.ts';
import { DELIVER_JOB } from '../dispatcher/outbox.ts';
import { createPacer } from '../dispatcher/pacing.ts';
import { createOAuth } from '../integrations/oauth/oauth.ts';
import { integrations } from '../integrations/registry.ts';
import type { Tool } from '../integrations/types.ts';
import { createIngestor } from '../normalizer/ingestor.ts';
import { createSmtpConnector } from '../notifications/smtp-connector.ts';
import { createInviteMailer } from '../notifications/staff-invite.ts';
import { createStaffNotifier } from '../notifications/staff-notifier.ts';
import { startWorker, type Worker } from '../queue/worker.ts';
import type { Store } from '../store/index.ts';
import { APPROVED_ACTION_JOB, createApprovedActionHandler } from './action-job.ts';
import { createAnalytics } from './analytics.ts';
import { createAuthenticator } from './auth.ts';
import {
  createRetentionHandler,
  RETENTION_JOB,
  startRetentionSchedule,
} from './data-protection/retention.ts';
import { registerErrorHandling } from './error-handler.ts';
import { createEventBus, type EventBus } from './events.ts';
import {
  DEFAULT_SERVER_TIMEOUTS,
  requestIdOf,
  requestLogFields,
  type ServerTimeouts,
  timedServerFactory,
} from './http-server.ts';
import { prettyOnTerminal } from './logger.ts';
import { createLoginLimiter } from './login-limiter.ts';
import { createMetrics } from './metrics.ts';
import { registerNulGuard } from './nul-guard.ts';
import { registerOpenApi } from './openapi.ts';
import { createRespondHandler, RESPOND_JOB } from './respond-job.ts';
import { actionRoutes } from './routes/actions.ts';
import { agentSettingsRoutes } from './routes/agent-settings.ts';
import { analyticsAdminRoutes } from './routes/analytics-admin.ts';
import { analyticsCollectorRoutes } from './routes/analytics-collector.ts';
import { auditLogRoutes } from './routes/audit-log.ts';
import { connectorHubRoutes } from './routes/connector-hub.ts';
import { contactRoutes } from './routes/contacts.ts';
import { conversationActionRoutes } from './routes/conversation-actions.ts';
import { conversationMediaRoutes } from './routes/conversation-media.ts';
import { conversationReadRoutes } from './routes/conversation-read.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { eventStreamRoutes } from './routes/events-stream.ts';
import { serveMetrics } from './routes/metrics.ts';
import { oauthAdminRoutes, oauthCallbackRoutes } from './routes/oauth.ts';
import { retentionRoutes } from './routes/retention.ts';
import { staffAuthRoutes } from './routes/staff-auth.ts';
import { staffUserRoutes } from './routes/staff-users.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { usageRoutes } from './routes/usage.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { whatsappQrRoutes } from './routes/whatsapp-qr.ts';
import { workspaceAnalyticsRoutes } from './routes/workspace-analytics.ts';
import { createSessionAuthenticator } from './session-auth.ts';
import { callListRoutes } from './voice/call-list-routes.ts';
import { voiceRoutes } from './voice/voice-routes.ts';
import { webUiRoutes } from './web-ui.ts';
import { gatewayWhatsAppQrSessions, type WhatsAppQrOverrides } from './whatsapp-qr/gateway-sessions.ts';
import { createMediaStore } from './whatsapp-qr/media-store.ts';
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
  /** Pino options, or false for silence (tests); `stream` receives the log lines instead of stdout. */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** The HTTP server's timeouts, where they differ from the defaults (tests shorten them). */
  serverTimeouts?: Partial<ServerTimeouts>;
  /** How often an idle worker looks for due jobs (tests shorten it). */
  pollMs?: number;
  /** The built web UI's folder; default `web/dist` in the repository. */
  webRoot?: string;
  /** Told about the model tokens of every completion (metrics). */
  onTokenUsage?: TenantAgentOptions['onUsage'];
  /** WhatsApp (QR) parts tests replace (the socket, above all); real Baileys otherwise. */
  whatsappQr?: WhatsAppQrOverrides;
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
            serializers: { req: requestLogFields },
            ...(typeof dependencies.logger === 'object' && dependencies.logger.stream
              ? { stream: dependencies.logger.stream }
              : prettyOnTerminal()),
          },
    requestIdHeader: false,
    genReqId: requestIdOf,
    serverFactory: timedServerFactory({ ...DEFAULT_SERVER_TIMEOUTS, ...dependencies.serverTimeouts }),
    bodyLimit: 1024 * 1024,
  });
  await registerOpenApi(app);
  app.decorateRequest('caller', undefined);
  app.decorateRequest('staff', undefined);
  await app.register(fastifyCookie);
  const events = await createEventBus(store);
  const live = workspaceEvents(events, db);
  registerErrorHandling(app);
  registerNulGuard(app);
  const metrics = await createMetrics({
    store,
    clock,
    served: config.metrics.token !== undefined || config.metrics.port !== undefined,
  });
  metrics.observeWebhooks(app);

  // Every connection to a destination a tenant configured goes through this guard.
  const egress = createEgress({ allow: config.egressAllow });
  const registry = buildConnectorRegistry(environment, egress);
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
    fetch: egress.fetch,
    configs,
    registry,
  });
  const smtpConnector = createSmtpConnector(egress);
  registry.set(smtpConnector.definition.id, smtpConnector);
  const loadSmtpConfig = async (tenantId: string) =>
    (await configs.load(tenantId, smtpConnector.definition))?.values;
  const notifier = createStaffNotifier({ db, clock, loadSmtpConfig, egress });
  registry.set(llmIntegration.id, fromIntegration(llmIntegration, egress));
  const oauth = createOAuth({
    db,
    keyRing,
    clock,
    hosts: config.oauthHosts,
    publicUrl: config.publicUrl,
    tracker: analytics.tracker,
    fetch: egress.fetch,
    loadConfig: (tenantId, provider) => loadConfig(tenantId, provider),
    onReconnectNeeded: (tx, who) => notifier.integrationNeedsReconnect(tx, who),
  });
  for (const integration of Object.values(oauth.integrations))
    registry.set(integration.id, fromIntegration(integration, egress));
  const toolRegistry = createToolRegistry({
    db,
    egress,
    tracker: analytics.tracker,
    clock,
    tools: [
      createRequestHumanTool({ db, notifyStaff: live.needsHuman(notifier.conversationNeedsHuman) }),
      ...Object.values(integrations).flatMap((integration) => integration.tools),
      ...Object.values(oauth.integrations).flatMap((integration) => integration.tools),
      ...(dependencies.tools ?? []),
    ],
    loadConfig,
    onActionPending: (action) => events.publish(db, { type: 'action.status', ...action, status: 'pending' }),
    loadProviders: async (tenantId) => (await loadAgentSettings(db, tenantId)).toolProviders,
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
      clock,
      dailyTokenLimit: config.agentDailyTokens,
      onUsage: metrics.countTokens(dependencies.onTokenUsage),
      timeoutMs: config.llm.timeoutMs,
      egress,
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
    onOutcome: live.onOutcome(metrics.countDeliveries(analytics.onOutcome)),
    onDeadLettered: metrics.countDeadLetters(notifier.replyDeadLettered),
    onWaiting: live.onWaiting,
  };
  let worker: Worker | undefined;
  const wakeWorker = () => worker?.wake();
  const ingestor = live.ingestor(
    createIngestor({
      db,
      // Each stored message's respond job is written by the ingest's own driver statements.
      jobFor: (message) => ({ kind: RESPOND_JOB, payload: { messageId: message.id }, runAtMs: clock.now() }),
      onStored: live.onStored(analytics.withReceivedEvents(async () => undefined)),
      maxPending: config.ingestQueueLimit,
    }),
  );
  const whatsappQr = gatewayWhatsAppQrSessions(
    {
      config,
      db,
      store,
      keyRing,
      clock,
      events,
      configs,
      ingestor,
      onIngested: wakeWorker,
      logger: app.log,
      notifyLoggedOut: notifier.channelLoggedOut,
    },
    dependencies.whatsappQr,
  );
  environment.whatsappQr = whatsappQr.links;
  if (config.workerConcurrency > 0) {
    worker = startWorker({
      db,
      clock,
      logger: app.log,
      concurrency: config.workerConcurrency,
      leaseMs: config.jobLeaseMs,
      backoff: config.retry,
      ...(dependencies.pollMs ? { pollMs: dependencies.pollMs } : {}),
      handlers: {
        [RESPOND_JOB]: createRespondHandler({
          ...dispatcher,
          agent: metrics.instrumentAgent(agent),
          clock,
          maxDeliveryAttempts: config.maxDeliveryAttempts,
          onReplyRecorded: wakeWorker,
          notifyStaff: notifier.conversationNeedsHuman,
        }),
        [DELIVER_JOB]: createDeliverHandler(dispatcher),
        [APPROVED_ACTION_JOB]: createApprovedActionHandler({ db, registry: toolRegistry, events }),
        ...analytics.jobHandlers,
        ...notifier.jobHandlers,
        [RETENTION_JOB]: createRetentionHandler({ db, clock }),
        ...whatsappQr.jobHandlers,
      },
    });
  }
  const stopRetention = worker
    ? startRetentionSchedule({
        db,
        clock,
        onError: (error) => app.log.error({ err: error }, 'retention not queued'),
      })
    : undefined;
  app.decorate('worker', worker);
  app.decorate('analytics', analytics.tracker);
  app.decorate('events', events);

  app.get(
    '/healthz',
    { schema: { summary: 'the database answers', response: { 200: z.object({ ok: z.literal(true) }) } } },
    async () => {
      await db.$queryRaw`SELECT 1`;
      return { ok: true };
    },
  );

  await app.register(async (admin) => {
    // The admin API speaks JSON only; Fastify's default text/plain parser would let a plain-text body through.
    admin.removeContentTypeParser('text/plain');
    admin.addHook('onRequest', async (request) => {
      request.caller = sessions.applies(request)
        ? await sessions.authenticate(request)
        : await authenticator.authenticate(request);
    });
    await admin.register(tenantRoutes, { store });
    await admin.register(tokenRoutes, { db, clock });
    await admin.register(auditLogRoutes, { db });
    await admin.register(contactRoutes, { store });
    await admin.register(retentionRoutes, { db });
    await admin.register(connectorHubRoutes, { hub });
    await admin.register(oauthAdminRoutes, { flow: oauth.flow, db });
    await admin.register(conversationRoutes, { db });
    await admin.register(agentSettingsRoutes, { db });
    await admin.register(actionRoutes, { db, clock, events });
    await admin.register(usageRoutes, { db, clock });
    await admin.register(callListRoutes, { db, clock });
    await admin.register(analyticsAdminRoutes, { db, writeKeys: analytics.writeKeys, clock });
    await admin.register(staffUserRoutes, {
      db,
      clock,
      publicUrl: config.publicUrl,
      sendInvite: createInviteMailer({ loadSmtpConfig, operatorSmtp: config.operatorSmtp, egress }),
    });
    await admin.register(conversationActionRoutes, {
      db,
      clock,
      events,
      channels,
      maxDeliveryAttempts: config.maxDeliveryAttempts,
      onReplyRecorded: wakeWorker,
    });
    await admin.register(conversationMediaRoutes, {
      db,
      clock,
      events,
      channels,
      mediaStore: createMediaStore(config.dataDir),
      maxDeliveryAttempts: config.maxDeliveryAttempts,
      onReplyRecorded: wakeWorker,
    });
    await admin.register(eventStreamRoutes, { events });
    await admin.register(conversationReadRoutes, { db, events });
    await admin.register(whatsappQrRoutes, { sessions: whatsappQr });
    await admin.register(workspaceAnalyticsRoutes, {
      tracker: analytics.tracker,
      integrations: { ...integrations, ...oauth.integrations },
      statuses: (tenantId) => configs.statuses(tenantId),
    });
  });
  await app.register(staffAuthRoutes, { db, clock, limiter: createLoginLimiter(clock) });
  await app.register(webUiRoutes, dependencies.webRoot ? { root: dependencies.webRoot } : {});
  await serveMetrics(app, metrics, config);
  await app.register(analyticsCollectorRoutes, { ...analytics, clock });
  await app.register(oauthCallbackRoutes, { flow: oauth.flow, db, publicUrl: config.publicUrl });
  await app.register(webhookRoutes, {
    channels,
    publicUrl: config.publicUrl,
    tenantBySlug,
    loadConfig,
    ingestor,
    onIngested: wakeWorker,
  });
  await app.register(voiceRoutes, {
    db,
    clock,
    ingestor,
    agent,
    tools: toolRegistry,
    realtime: config.realtime,
    defaultApiKey: config.llm.apiKey,
    notifyStaff: live.needsHuman(notifier.conversationNeedsHuman),
    publicUrl: config.publicUrl,
    tenantBySlug,
    loadConfig,
    callTokenTtlMs: 60_000,
  });

  await whatsappQr.start();
  app.addHook('onClose', async () => {
    // First: sockets stop and their leases go back, so another process can take over at once.
    await whatsappQr.close();
    stopRetention?.();
    await worker?.stop(config.shutdownDrainMs);
    await ingestor.drain();
    // Last: the worker and the ingestor above may still have tracked events.
    await analytics.tracker.close();
    await events.close();
    await egress.close();
  });
  return app;
}
