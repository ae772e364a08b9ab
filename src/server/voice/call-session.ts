import type { WebSocket } from 'ws';
import { handOver, type RequestHumanOptions } from '../../agent/tools/request-human.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../store/index.ts';
import {
  type CallSummary,
  claimCall,
  conversationState,
  findCall,
  type StoredCall,
  saveSummary,
} from './call-record.ts';
import { readCallToken } from './call-token.ts';
import { createKeypad, type Keypad } from './keypad.ts';
import type { VoiceTarget } from './voice-target.ts';

/** WebSocket close code for a socket that broke the rules (RFC 6455 policy violation). */
export const POLICY_VIOLATION = 1008;

export interface SessionDependencies {
  db: Db;
  clock: Clock;
  logger: { warn(details: object, message: string): void };
  /** Tells staff a conversation waits for a person (as `request_human` does). */
  notifyStaff: RequestHumanOptions['notifyStaff'];
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

/**
 * The caller asked for a person with the keypad: the conversation goes to staff as with
 * `request_human` (staff are told once), and the summary records the transfer to the staff
 * number, which the `<Connect action>` then dials. False when the conversation could not
 * be handed over (it is closed).
 */
export async function transferCall(
  dependencies: SessionDependencies,
  call: StoredCall,
  summary: CallSummary,
  staffNumber: string,
): Promise<boolean> {
  const { db, notifyStaff } = dependencies;
  await handOver(
    { db, notifyStaff },
    { tenantId: call.tenantId, conversationId: call.conversationId, reason: 'customer_asked' },
  );
  if ((await conversationState(db, call)) !== 'needs_human') return false;
  summary.handoff = { to: staffNumber };
  summary.ended = 'handoff';
  await saveSummary(db, call, summary);
  return true;
}

/**
 * The call's keypad (see createKeypad): a `0` to begin with transfers the call when a
 * staff number is set; entries go to the session. Both only once the call is admitted.
 */
export function callKeypad(
  dependencies: SessionDependencies,
  target: VoiceTarget,
  session: {
    admitted(): { call: StoredCall; summary: CallSummary } | undefined;
    /** Runs the transfer after the work the session queued before it. */
    queue(work: () => Promise<void>): void;
    transferred(call: StoredCall): void;
    entry(call: StoredCall, summary: CallSummary, keys: string): void;
  },
): Keypad {
  const staffNumber = target.settings.staffNumber;
  const transfer = (staff: string) => {
    const admitted = session.admitted();
    if (!admitted) return;
    session.queue(async () => {
      if (await transferCall(dependencies, admitted.call, admitted.summary, staff)) {
        session.transferred(admitted.call);
      }
    });
  };
  return createKeypad({
    staff: staffNumber ? () => transfer(staffNumber) : undefined,
    entry: (keys) => {
      const admitted = session.admitted();
      if (admitted) session.entry(admitted.call, admitted.summary, keys);
    },
  });
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
