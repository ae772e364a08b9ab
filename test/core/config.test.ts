import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/core/config.ts';

/** The message of the ConfigError that `environment` produces. */
function configError(environment: Record<string, string>): string {
  try {
    parseConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${JSON.stringify(environment)} to be rejected`);
}

describe('parseConfig', () => {
  it('fills in defaults for an empty environment', () => {
    expect(parseConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      dataDir: './data',
      databaseUrl: undefined,
      publicUrl: 'http://localhost:3000',
      adminToken: undefined,
      secretKey: undefined,
      telegramApiRoot: 'https://api.telegram.org',
      metaGraphApiUrl: 'https://graph.facebook.com',
      metaGraphApiVersion: 'v21.0',
      twilioApiBaseUrl: 'https://api.twilio.com',
      postmarkApiUrl: 'https://api.postmarkapp.com',
      oauthHosts: {
        googleAccounts: 'https://accounts.google.com',
        googleOauth2: 'https://oauth2.googleapis.com',
        googleApi: 'https://www.googleapis.com',
        microsoftLogin: 'https://login.microsoftonline.com',
        microsoftGraph: 'https://graph.microsoft.com',
      },
      realtime: { model: 'gpt-realtime', url: 'wss://api.openai.com/v1/realtime' },
      whatsappQr: {
        deafAfterMs: 90_000,
        leaseMs: 30_000,
        maxMediaBytes: 16_777_216,
        sendsPerMinute: 20,
        websocketUrl: undefined,
      },
      logLevel: 'info',
      workerConcurrency: 8,
      jobLeaseMs: 30_000,
      shutdownDrainMs: 10_000,
      databaseTimeouts: { connectMs: 10_000, statementMs: 30_000 },
      retry: { baseMs: 1_000, maxMs: 300_000 },
      maxDeliveryAttempts: 8,
      analyticsRate: { perSecond: 1_000, burst: 5_000 },
      llm: { baseUrl: undefined, apiKey: undefined, model: 'gpt-4o-mini', timeoutMs: 20_000 },
      ingestQueueLimit: 1_000,
      agentDailyTokens: 1_000_000,
      egressAllow: [],
      metrics: { token: undefined, port: undefined },
    });
  });

  it('names a metrics token too short to guess safely', () => {
    expect(() => parseConfig({ METRICS_TOKEN: 'short' })).toThrow(
      /METRICS_TOKEN: must be at least 16 characters/,
    );
  });

  it('names a malformed Graph API version', () => {
    expect(() => parseConfig({ META_GRAPH_API_VERSION: '21' })).toThrow(
      /META_GRAPH_API_VERSION: must look like v21.0/,
    );
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ PORT: '', DATA_DIR: '', PUBLIC_URL: '' })).toMatchObject({
      port: 3000,
      dataDir: './data',
      publicUrl: 'http://localhost:3000',
    });
  });

  it('derives the default public URL from PORT and strips trailing slashes from URLs', () => {
    expect(parseConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    const config = parseConfig({
      PUBLIC_URL: 'https://gateway.example.com//',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9/',
    });
    expect(config.publicUrl).toBe('https://gateway.example.com');
    expect(config.telegramApiRoot).toBe('http://127.0.0.1:9');
  });

  it('accepts SQLite file URLs and both PostgreSQL schemes', () => {
    for (const url of ['file:./switchboard.db', 'postgres://u:p@db/x', 'postgresql://u:p@db/x']) {
      expect(parseConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });

  it('accepts an admin token of 24 characters and rejects one of 23', () => {
    expect(parseConfig({ SWITCHBOARD_ADMIN_TOKEN: 'a'.repeat(24) }).adminToken).toBe('a'.repeat(24));
    expect(configError({ SWITCHBOARD_ADMIN_TOKEN: 'a'.repeat(23) })).toContain(
      'SWITCHBOARD_ADMIN_TOKEN: must be at least 24',
    );
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_URL', 'notaurl'],
    ['PUBLIC_URL', 'ftp://files.example.com'],
    ['SWITCHBOARD_ADMIN_TOKEN', 'too-short'],
    ['TELEGRAM_API_ROOT', 'telegram'],
    ['LOG_LEVEL', 'loud'],
    ['WORKER_CONCURRENCY', '-1'],
    ['MAX_DELIVERY_ATTEMPTS', '0'],
  ])('names %s in the error for the invalid value %j', (name, value) => {
    const message = configError({ [name]: value });
    expect(message).toContain(`${name}: `);
    expect(message.split('\n')).toHaveLength(2);
  });

  it('reports every invalid variable at once', () => {
    const message = configError({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      PUBLIC_URL: 'notaurl',
      SWITCHBOARD_ADMIN_TOKEN: 'short',
    });
    for (const name of ['PORT', 'DATABASE_URL', 'PUBLIC_URL', 'SWITCHBOARD_ADMIN_TOKEN']) {
      expect(message).toContain(`${name}: `);
    }
    expect(message.split('\n')).toHaveLength(5);
  });
});
