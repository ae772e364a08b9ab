import { z } from 'zod';
import { type EgressRule, parseEgressAllow } from './egress-policy.ts';

const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org';

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file:, postgres:// or postgresql://')
    .optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  SWITCHBOARD_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  SWITCHBOARD_SECRET_KEY: z.string().min(1).optional(),
  TELEGRAM_API_ROOT: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default(DEFAULT_TELEGRAM_API_ROOT),
  META_GRAPH_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://graph.facebook.com'),
  META_GRAPH_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v21.0')
    .default('v21.0'),
  TWILIO_API_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://api.twilio.com'),
  POSTMARK_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://api.postmarkapp.com'),
  // OAuth providers (issue #13): hosts only; the providers' own paths are appended below them.
  GOOGLE_ACCOUNTS_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://accounts.google.com'),
  GOOGLE_OAUTH2_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://oauth2.googleapis.com'),
  GOOGLE_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://www.googleapis.com'),
  MICROSOFT_LOGIN_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://login.microsoftonline.com'),
  MICROSOFT_GRAPH_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://graph.microsoft.com'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(256).default(8),
  JOB_LEASE_MS: z.coerce.number().int().min(100).default(30_000),
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(10_000),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  RETRY_BASE_MS: z.coerce.number().int().min(1).default(1_000),
  RETRY_MAX_MS: z.coerce.number().int().min(1).default(300_000),
  MAX_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  ANALYTICS_RATE_PER_SECOND: z.coerce.number().int().min(1).default(1_000),
  // A batch of 500 events must fit into a full bucket, or it could never be accepted.
  ANALYTICS_RATE_BURST: z.coerce.number().int().min(500).default(5_000),
  // The process-wide OpenAI-compatible model; a tenant's `llm` connector overrides it.
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  OPENAI_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  // The realtime speech model of voice calls in media_stream mode (an operator setting, like the base URL).
  OPENAI_REALTIME_URL: z
    .url({ protocol: /^wss?$/, error: 'must be a ws(s) URL' })
    .default('wss://api.openai.com/v1/realtime'),
  OPENAI_REALTIME_MODEL: z.string().min(1).default('gpt-realtime'),
  INGEST_QUEUE_LIMIT: z.coerce.number().int().min(1).default(1_000),
  // Model tokens per tenant and UTC day; a tenant's settings may lower it (or set their own for their own model).
  AGENT_DAILY_TOKENS: z.coerce.number().int().min(0).default(1_000_000),
  SWITCHBOARD_EGRESS_ALLOW: z
    .string()
    .default('')
    .transform((text, context) => {
      try {
        return parseEgressAllow(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  // GET /metrics: behind this bearer token, and/or on its own port; off when neither is set.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  // The operator's mail server for staff invites, when a tenant has no SMTP of its own:
  // smtp://user:password@host:587 (STARTTLS), smtps://…:465 (TLS), ?security=none for a plain relay.
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  SMTP_FROM: z.string().min(3).optional(),
  // WhatsApp (QR): the session lease, the deaf-socket limit, the media cap, sends per number and
  // minute, and WhatsApp's WebSocket endpoint (tests point it at loopback).
  WHATSAPP_QR_LEASE_MS: z.coerce.number().int().min(300).default(30_000),
  WHATSAPP_QR_DEAF_MS: z.coerce.number().int().min(1_000).default(90_000),
  WHATSAPP_QR_MEDIA_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(16 * 1024 * 1024),
  WHATSAPP_QR_SENDS_PER_MINUTE: z.coerce.number().int().min(1).max(600).default(20),
  WHATSAPP_QR_WEBSOCKET_URL: z.url({ protocol: /^wss?$/, error: 'must be a ws(s) URL' }).optional(),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Base of the webhook URLs handed to providers; no trailing slash. */
  publicUrl: string;
  adminToken: string | undefined;
  secretKey: string | undefined;
  telegramApiRoot: string;
  /** Provider API bases, configurable for self-hosted proxies and tests. */
  metaGraphApiUrl: string;
  metaGraphApiVersion: string;
  twilioApiBaseUrl: string;
  postmarkApiUrl: string;
  /** Google and Microsoft hosts for OAuth and their APIs (tests, proxies, sovereign clouds). */
  oauthHosts: {
    googleAccounts: string;
    googleOauth2: string;
    googleApi: string;
    microsoftLogin: string;
    microsoftGraph: string;
  };
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  /** Jobs one process runs at once; 0 runs no worker (a web-only process). */
  workerConcurrency: number;
  /** How long a claimed job stays claimed without renewal: the time a crashed worker's jobs wait. */
  jobLeaseMs: number;
  /** At shutdown, how long running jobs may finish before their leases are released to other processes. */
  shutdownDrainMs: number;
  /** PostgreSQL: how long to wait for a connection, and for one statement. */
  databaseTimeouts: { connectMs: number; statementMs: number };
  /** Retry delays grow exponentially from the base up to the maximum, with jitter. */
  retry: { baseMs: number; maxMs: number };
  /** Attempts before a reply is dead-lettered. */
  maxDeliveryAttempts: number;
  /** Events each collector write key may send: a sustained rate and a burst (per process). */
  analyticsRate: { perSecond: number; burst: number };
  /** The process-wide model for the agent; used when `apiKey` or `baseUrl` is set. */
  llm: { baseUrl: string | undefined; apiKey: string | undefined; model: string; timeoutMs: number };
  /** The realtime speech model for voice calls in media_stream mode (OPENAI_REALTIME_URL, OPENAI_REALTIME_MODEL). */
  realtime: { url: string; model: string };
  /** Webhook deliveries one process holds while they wait to be stored; more are answered 503. */
  ingestQueueLimit: number;
  /** Model tokens a tenant may spend per UTC day unless its agent settings say otherwise. */
  agentDailyTokens: number;
  /** Internal addresses that tenant-configured destinations may reach anyway (SWITCHBOARD_EGRESS_ALLOW). */
  egressAllow: EgressRule[];
  /** Prometheus metrics: a bearer token, a separate port (on `host`), both, or neither (off). */
  metrics: { token: string | undefined; port: number | undefined };
  /** The operator's SMTP server as `smtp` connector values (SMTP_URL, SMTP_FROM), or undefined. */
  operatorSmtp: Record<string, string> | undefined;
  /** WhatsApp (QR) sessions: see the WHATSAPP_QR_* variables. */
  whatsappQr: {
    leaseMs: number;
    deafAfterMs: number;
    maxMediaBytes: number;
    sendsPerMinute: number;
    websocketUrl: string | undefined;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses the process environment once, at start. Every problem is reported with the name
 * of the variable it concerns, all of them at once.
 */
export function parseConfig(environment: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const values = result.data;
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir: values.DATA_DIR,
    databaseUrl: values.DATABASE_URL,
    publicUrl: (values.PUBLIC_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, ''),
    adminToken: values.SWITCHBOARD_ADMIN_TOKEN,
    secretKey: values.SWITCHBOARD_SECRET_KEY,
    telegramApiRoot: values.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
    metaGraphApiUrl: values.META_GRAPH_API_URL.replace(/\/+$/, ''),
    metaGraphApiVersion: values.META_GRAPH_API_VERSION,
    twilioApiBaseUrl: values.TWILIO_API_BASE_URL.replace(/\/+$/, ''),
    postmarkApiUrl: values.POSTMARK_API_URL.replace(/\/+$/, ''),
    oauthHosts: {
      googleAccounts: values.GOOGLE_ACCOUNTS_URL.replace(/\/+$/, ''),
      googleOauth2: values.GOOGLE_OAUTH2_URL.replace(/\/+$/, ''),
      googleApi: values.GOOGLE_API_URL.replace(/\/+$/, ''),
      microsoftLogin: values.MICROSOFT_LOGIN_URL.replace(/\/+$/, ''),
      microsoftGraph: values.MICROSOFT_GRAPH_URL.replace(/\/+$/, ''),
    },
    logLevel: values.LOG_LEVEL,
    workerConcurrency: values.WORKER_CONCURRENCY,
    jobLeaseMs: values.JOB_LEASE_MS,
    shutdownDrainMs: values.SHUTDOWN_DRAIN_MS,
    databaseTimeouts: {
      connectMs: values.DATABASE_CONNECT_TIMEOUT_MS,
      statementMs: values.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    retry: { baseMs: values.RETRY_BASE_MS, maxMs: values.RETRY_MAX_MS },
    maxDeliveryAttempts: values.MAX_DELIVERY_ATTEMPTS,
    analyticsRate: { perSecond: values.ANALYTICS_RATE_PER_SECOND, burst: values.ANALYTICS_RATE_BURST },
    llm: {
      baseUrl: values.OPENAI_BASE_URL?.replace(/\/+$/, ''),
      apiKey: values.OPENAI_API_KEY,
      model: values.OPENAI_MODEL,
      timeoutMs: values.OPENAI_TIMEOUT_MS,
    },
    realtime: { url: values.OPENAI_REALTIME_URL, model: values.OPENAI_REALTIME_MODEL },
    ingestQueueLimit: values.INGEST_QUEUE_LIMIT,
    agentDailyTokens: values.AGENT_DAILY_TOKENS,
    egressAllow: values.SWITCHBOARD_EGRESS_ALLOW,
    metrics: { token: values.METRICS_TOKEN, port: values.METRICS_PORT },
    whatsappQr: {
      leaseMs: values.WHATSAPP_QR_LEASE_MS,
      deafAfterMs: values.WHATSAPP_QR_DEAF_MS,
      maxMediaBytes: values.WHATSAPP_QR_MEDIA_MAX_BYTES,
      sendsPerMinute: values.WHATSAPP_QR_SENDS_PER_MINUTE,
      websocketUrl: values.WHATSAPP_QR_WEBSOCKET_URL,
    },
    operatorSmtp: values.SMTP_URL ? operatorSmtp(values.SMTP_URL, values.SMTP_FROM) : undefined,
  };
}

/** `SMTP_URL` and `SMTP_FROM` as the `smtp` connector's values, which are checked where they are used. */
function operatorSmtp(url: string, from: string | undefined): Record<string, string> {
  if (!from) throw new ConfigError('invalid configuration:\n  SMTP_FROM: is required with SMTP_URL');
  const parsed = new URL(url);
  const security = parsed.protocol === 'smtps:' ? 'tls' : (parsed.searchParams.get('security') ?? 'starttls');
  return {
    host: parsed.hostname,
    ...(parsed.port ? { port: parsed.port } : {}),
    security,
    ...(parsed.username
      ? { user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
      : {}),
    from,
  };
}
