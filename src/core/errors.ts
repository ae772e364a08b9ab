/**
 * The one error catalogue. Every error the gateway reports has a stable code, an HTTP
 * status and a retryable flag; retry decisions read only that flag.
 */
export const errorCatalogue = {
  BAD_REQUEST: { status: 400, retryable: false },
  MALFORMED_JSON: { status: 400, retryable: false },
  MALFORMED_PAYLOAD: { status: 400, retryable: false },
  VALIDATION_FAILED: { status: 400, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  SIGNATURE_INVALID: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  UNKNOWN_CHANNEL: { status: 404, retryable: false },
  UNKNOWN_TENANT: { status: 404, retryable: false },
  UNKNOWN_CONNECTOR: { status: 404, retryable: false },
  CHANNEL_NOT_CONFIGURED: { status: 404, retryable: false },
  CONFLICT: { status: 409, retryable: false },
  CONNECTOR_RETIRED: { status: 410, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  INTERNAL: { status: 500, retryable: false },
  CONFIG_UNREADABLE: { status: 500, retryable: false },
  PROVIDER_REJECTED: { status: 502, retryable: false },
  PROVIDER_UNAVAILABLE: { status: 502, retryable: true },
  PROVIDER_RATE_LIMITED: { status: 502, retryable: true },
  NETWORK_ERROR: { status: 502, retryable: true },
  DELIVERY_FAILED: { status: 502, retryable: false },
  SHUTTING_DOWN: { status: 503, retryable: true },
  OVERLOADED: { status: 503, retryable: true },
  // A fault that is not ours to judge (a busy or dropped database, any unexpected throw): retried.
  TRANSIENT_FAILURE: { status: 503, retryable: true },
  // Another worker took the job over: this run stops, and the new owner carries on.
  LEASE_LOST: { status: 409, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An error with a catalogue code; `message` is safe to show to API clients. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  /** For rate limits: the provider asked us to wait this long before the next attempt. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.retryable = errorCatalogue[code].retryable;
    this.retryAfterMs = options.retryAfterMs;
  }

  toJSON(): { error: ErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
