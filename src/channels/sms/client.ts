import type twilio from 'twilio';
import { lazyModule } from '../../core/lazy-module.ts';
import { parseRetryAfter } from '../provider-errors.ts';
import type { ProviderEnvironment } from '../types.ts';
import type { SmsAccount } from './config.ts';

/**
 * Longest one API call may take. The SDK's default is 30 s; a send normally answers in well
 * under a second, and a stuck connection should not hold a dispatcher slot that long.
 */
const TIMEOUT_MS = 15_000;

/** Where the SDK sends requests by default; with this base nothing is rewritten, so TWILIO_EDGE still works. */
const DEFAULT_API_BASE_URL = 'https://api.twilio.com';

/** The SDK's REST hosts: `api.twilio.com`, or with an edge and region (`api.sydney.au1.twilio.com`). */
const API_HOST = /^api(\.[a-z0-9-]+)*\.twilio\.com$/;

type RequestOptions<TData> = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0] & {
  data?: TData;
};

/**
 * The SDK's own HTTP client, sending what it would send to `https://api.twilio.com` to the
 * configured API base instead (a loopback fake in tests, a proxy in some deployments). The
 * SDK documents a custom `httpClient` as the way to change its requests. The class extends
 * the SDK's, so it is made once the SDK is loaded.
 */
function rebasedRequestClient(sdk: typeof twilio) {
  return class RebasedRequestClient extends sdk.RequestClient {
    constructor(private readonly apiBaseUrl: string) {
      // No keep-alive: a client serves one send, and idle sockets would outlive it.
      super({ timeout: TIMEOUT_MS, keepAlive: false });
    }

    override request<TData>(options: RequestOptions<TData>) {
      return super.request<TData>({ ...options, uri: rebase(options.uri, this.apiBaseUrl) });
    }
  };
}

/** The Twilio SDK, imported when an SMS or voice tenant first needs it. */
const loadTwilio = lazyModule(async () => {
  const { default: sdk } = await import('twilio');
  return { sdk, RebasedRequestClient: rebasedRequestClient(sdk) };
});

/** A Twilio client for one account, and what its last answer asked of us. */
export interface TwilioConnection {
  client: twilio.Twilio;
  /** The last answer's `Retry-After` in milliseconds, when it carried one (429, 503). */
  retryAfterMs(): number | undefined;
}

/**
 * The real Twilio SDK for one account, pointed at `environment.twilioApiBaseUrl`. Create one
 * per operation: `retryAfterMs` reads the client's last answer, which concurrent calls on a
 * shared client would overwrite.
 */
export async function connectTwilio(
  account: SmsAccount,
  environment: ProviderEnvironment,
): Promise<TwilioConnection> {
  const { sdk, RebasedRequestClient } = await loadTwilio();
  const httpClient = new RebasedRequestClient(environment.twilioApiBaseUrl.replace(/\/+$/, ''));
  const client = sdk(account.accountSid, account.authToken, {
    httpClient,
    // Retries belong to the dispatcher, which keeps them in the database and honours Retry-After.
    autoRetry: false,
  });
  return {
    client,
    retryAfterMs: () => parseRetryAfter(httpClient.lastResponse?.headers?.['retry-after'], Date.now()),
  };
}

/** The request URL with the Twilio API origin replaced by `apiBaseUrl` (which may carry a path). */
function rebase(uri: string, apiBaseUrl: string): string {
  if (apiBaseUrl === DEFAULT_API_BASE_URL) return uri;
  const url = new URL(uri);
  if (!API_HOST.test(url.hostname)) return uri;
  return `${apiBaseUrl}${url.pathname}${url.search}`;
}
