/** What the tool tests share: a `ToolContext` for a connector config, and catching a `ToolError`. */
import { expect } from 'vitest';
import { type ToolContext, ToolError } from '../../src/integrations/types.ts';
import { testEgress } from '../support/egress.ts';

/** A context as the agent's registry would build it, with a 15-second budget unless given one. */
export function toolContext(
  config: Record<string, string>,
  signal: AbortSignal = AbortSignal.timeout(15_000),
  now: Date = new Date(),
): ToolContext {
  return {
    tenantId: 'tenant-1',
    conversationId: 'conversation-1',
    caller: { kind: 'staff', contactId: null, emails: [], phones: [], verified: true },
    idempotencyKey: 'job-1:0:0',
    config,
    signal,
    egress: testEgress,
    now: () => now,
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
