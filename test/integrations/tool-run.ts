/** What the tool tests share: a `ToolContext` for a connector config, and catching a `ToolError`. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { type ToolCaller, type ToolContext, ToolError } from '../../src/integrations/types.ts';
import { FAKE_SMTP_PASSWORD, FAKE_SMTP_USER } from '../fakes/smtp-server.ts';
import { DOVECOT_PASSWORD, DOVECOT_USER } from '../support/dovecot.ts';
import { testEgress } from '../support/egress.ts';

export const staffCaller: ToolCaller = {
  kind: 'staff',
  contactId: null,
  emails: [],
  phones: [],
  verified: true,
};

/** A verified customer with these email addresses. */
export function customer(contactId: string, emails: string[] = [], verified = true): ToolCaller {
  return { kind: 'customer', contactId, emails, phones: [], verified };
}

/**
 * A context as the agent's registry would build it, with a 15-second budget unless given one,
 * for a staff caller, with a call key of its own (a shared key would make side effects no-ops).
 */
export function toolContext(
  config: Record<string, string>,
  signal: AbortSignal = AbortSignal.timeout(15_000),
  now: Date = new Date(),
  overrides: Partial<Pick<ToolContext, 'caller' | 'idempotencyKey' | 'tenantId'>> = {},
): ToolContext {
  return {
    tenantId: 'tenant-1',
    conversationId: 'conversation-1',
    caller: staffCaller,
    idempotencyKey: `job-${randomUUID()}:0:0`,
    config,
    signal,
    egress: testEgress,
    now: () => now,
    ...overrides,
  };
}

/** Awaits a run that must fail, and returns its `ToolError` (fails the test on anything else). */
export async function toolFailure(run: Promise<unknown>): Promise<ToolError> {
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ToolError);
  return error as ToolError;
}

/** The `imap` connector values for a test Dovecot (reading, Sent) and a loopback SMTP server (sending). */
export function mailValues(
  imap: { host: string; port: number },
  smtp: { host: string; port: number },
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    host: imap.host,
    port: String(imap.port),
    tls: 'false',
    user: DOVECOT_USER,
    password: DOVECOT_PASSWORD,
    smtp_host: smtp.host,
    smtp_port: String(smtp.port),
    smtp_tls: 'none',
    smtp_user: FAKE_SMTP_USER,
    smtp_password: FAKE_SMTP_PASSWORD,
    from_address: 'shop@example.com',
    ...overrides,
  };
}
