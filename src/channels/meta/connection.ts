import type { ConnectionCheck, ConnectorValues } from '../../core/connector.ts';
import { AppError } from '../../core/errors.ts';
import { inboundProblem } from './config.ts';

/**
 * A connection test for a Meta channel: `identify` makes the channel's cheapest identity
 * call and names what the token reaches. The check fails when that call fails, and also
 * when the token works but the channel still cannot receive anything (no app secret),
 * so the catalog says why messages would not arrive.
 */
export async function checkMetaConnection(
  config: ConnectorValues,
  identify: () => Promise<string>,
): Promise<ConnectionCheck> {
  let identity: string;
  try {
    identity = await identify();
  } catch (error) {
    return { ok: false, detail: stepFailure('checking the credentials', error).message };
  }
  const problem = inboundProblem(config);
  if (problem !== undefined)
    return { ok: false, detail: `Meta accepts the token (${identity}), but ${problem}` };
  return { ok: true, detail: identity };
}

/**
 * Throws the reason a Meta channel cannot receive webhooks yet, as VALIDATION_FAILED; the
 * hub stores it as the connector's status detail after a save.
 */
export function requireInbound(config: ConnectorValues): void {
  const problem = inboundProblem(config);
  if (problem !== undefined) throw new AppError('VALIDATION_FAILED', problem);
}

/** The catalogue error of a failed step, reworded to say which step failed. */
export function stepFailure(step: string, error: unknown): AppError {
  if (!(error instanceof AppError)) return new AppError('INTERNAL', `${step} failed unexpectedly`);
  if (error.code === 'VALIDATION_FAILED') return error;
  return new AppError(error.code, `${step} failed (${error.message})`, { retryAfterMs: error.retryAfterMs });
}
