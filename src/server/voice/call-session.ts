import type { WebSocket } from 'ws';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../store/index.ts';
import { type CallSummary, claimCall, findCall, type StoredCall, saveSummary } from './call-record.ts';
import { readCallToken } from './call-token.ts';
import type { VoiceTarget } from './voice-target.ts';

/** WebSocket close code for a socket that broke the rules (RFC 6455 policy violation). */
export const POLICY_VIOLATION = 1008;

export interface SessionDependencies {
  db: Db;
  clock: Clock;
  logger: { warn(details: object, message: string): void };
}

/**
 * Admits a socket to its call: the per-call value must carry our MAC for this tenant, name
 * this call, be unexpired and unused (claimed once in the database). Returns the call and
 * its fresh summary, or undefined after closing the socket.
 */
export async function admitCall(
  dependencies: SessionDependencies,
  socket: WebSocket,
  target: VoiceTarget,
  call: { callSid: string; token: string | undefined; mode: CallSummary['mode'] },
): Promise<{ call: StoredCall; summary: CallSummary } | undefined> {
  const { db, clock, logger } = dependencies;
  const refuse = (reason: string) => {
    logger.warn({ channel: 'voice', reason }, 'call socket refused');
    socket.close(POLICY_VIOLATION, reason);
    return undefined;
  };
  if (!call.token) return refuse('the call value is missing');
  const read = readCallToken(call.token, target.credentials.authToken, clock.now());
  if (!read.ok) return refuse(read.reason);
  if (read.claim.tenantId !== target.tenantId || read.claim.callSid !== call.callSid) {
    return refuse('the call value belongs to another call');
  }
  const stored = await findCall(db, target.tenantId, call.callSid);
  if (!stored) return refuse('the call is unknown');
  const summary: CallSummary = {
    type: 'call',
    mode: call.mode,
    startedAt: new Date(clock.now()).toISOString(),
    endedAt: null,
    durationMs: null,
    ended: null,
    turns: 0,
    toolCalls: 0,
    interruptions: 0,
    handoff: null,
    latencyMs: [],
  };
  if (!(await claimCall(db, stored, summary))) return refuse('the call value was used already');
  return { call: stored, summary };
}

/** Writes the summary's end (once): when, how long, and how the call ended unless already said. */
export async function finishSummary(
  dependencies: SessionDependencies,
  call: StoredCall,
  summary: CallSummary,
  ended: string,
): Promise<void> {
  const now = dependencies.clock.now();
  summary.endedAt = new Date(now).toISOString();
  summary.durationMs = now - Date.parse(summary.startedAt);
  summary.ended ??= ended;
  await saveSummary(dependencies.db, call, summary);
}

/**
 * Reads a call socket's frames: each must be a frame `read` accepts (else the socket is closed
 * 1008); the first (after any `skip`) must open the call, and nothing else is handled until
 * `admit` says the call is admitted. Frames that arrive meanwhile wait and keep their order.
 * Returns a function that resolves once admission is settled (true when admitted).
 */
export function receiveFrames<Frame, Opening extends Frame>(
  socket: WebSocket,
  options: {
    read(data: unknown): Frame | undefined;
    protocol: string;
    opens(frame: Frame): frame is Opening;
    /** Frames Twilio sends before the opening one that say nothing (Media Streams' `connected`). */
    skip?(frame: Frame): boolean;
    admit(frame: Opening): Promise<boolean>;
    handle(frame: Frame): void;
    failed(error: unknown): void;
  },
): () => Promise<boolean> {
  let admitting: Promise<boolean> | undefined;
  let ready = false;
  socket.on('message', (data) => {
    const frame = options.read(data);
    if (!frame) {
      socket.close(POLICY_VIOLATION, `not a ${options.protocol} frame`);
      return;
    }
    if (!admitting) {
      if (options.skip?.(frame)) return;
      if (!options.opens(frame)) {
        socket.close(POLICY_VIOLATION, `a ${options.protocol} session must open the call first`);
        return;
      }
      admitting = options
        .admit(frame)
        .then((admitted) => {
          ready = admitted;
          return admitted;
        })
        .catch((error: unknown) => {
          options.failed(error);
          socket.close(POLICY_VIOLATION, 'the call could not be admitted');
          return false;
        });
      return;
    }
    if (ready) options.handle(frame);
    else void admitting.then((admitted) => admitted && options.handle(frame));
  });
  return () => admitting ?? Promise.resolve(false);
}
