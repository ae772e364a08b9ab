import type { WebSocket } from 'ws';
import { customerCaller } from '../../agent/caller.ts';
import type { Agent } from '../../agent/types.ts';
import { transcriptUpTo } from '../respond-job.ts';
import {
  type CallSummary,
  conversationState,
  recordHeard,
  recordSpeech,
  type StoredCall,
  saveSummary,
} from './call-record.ts';
import { CALL_TOKEN_PARAMETER } from './call-routes.ts';
import {
  admitCall,
  callKeypad,
  finishSummary,
  receiveFrames,
  type SessionDependencies,
} from './call-session.ts';
import { keypadText } from './keypad.ts';
import { type RelayFrame, readFrame, relayFrame, sentences } from './relay-frames.ts';
import type { VoiceTarget } from './voice-target.ts';

export interface RelayDependencies extends SessionDependencies {
  agent: Agent;
}

/** The turn being spoken: what was sent so far, and how to stop it. */
interface Turn {
  controller: AbortController;
  spoken: string;
  /** The stored agent line, once the turn finished. */
  messageId: string | undefined;
}

/**
 * One ConversationRelay session. Nothing but `setup` is accepted until the per-call value
 * is admitted. Then every final `prompt` is a turn: the caller's words are stored, the
 * agent answers with the tools and scopes of the caller, and its words go back as `text`
 * tokens as they are written (the model streams; the offline agent's reply goes sentence
 * by sentence). Prompts are answered in order. `interrupt` stops the turn and stores what
 * the caller heard. When the turn hands the conversation to a person and a staff number is
 * set, the session ends with handoff data and the `<Connect action>` dials staff.
 */
export function runRelaySession(
  dependencies: RelayDependencies,
  socket: WebSocket,
  target: VoiceTarget,
): void {
  const { db, clock, agent, logger } = dependencies;
  let call: StoredCall | undefined;
  let summary: CallSummary | undefined;
  let turns: Promise<void> = Promise.resolve();
  let current: Turn | undefined;
  let last: Turn | undefined;
  let turnNumber = 0;
  let closed = false;
  // Once the session ended in a transfer, nothing more is answered.
  let handedOver = false;

  const send = (frame: object) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };

  async function answer(
    active: StoredCall,
    state: CallSummary,
    prompt: string,
    promptAt: number,
  ): Promise<void> {
    turnNumber += 1;
    const turnKey = String(turnNumber);
    const promptId = await recordSpeech(db, active, {
      direction: 'inbound',
      turn: turnKey,
      text: prompt,
      at: new Date(promptAt),
    });
    const turn: Turn = { controller: new AbortController(), spoken: '', messageId: undefined };
    current = turn;
    const speak = (token: string, isLast = false) => {
      if (turn.controller.signal.aborted || closed) return;
      if (turn.spoken === '' && token !== '') state.latencyMs.push(clock.now() - promptAt);
      turn.spoken += token;
      send({ type: 'text', token, last: isLast });
    };
    const reply = await agent.reply({
      tenant: { id: active.tenantId, name: active.tenantName },
      conversationId: active.conversationId,
      channel: 'voice',
      contact: active.contact,
      transcript: await transcriptUpTo(db, active.conversationId, new Date(clock.now()), promptId),
      caller: await customerCaller(db, active.tenantId, active.contactId, true),
      turnKey: `voice:${active.callSid}:${turnKey}`,
      onText: (delta) => speak(delta),
      signal: turn.controller.signal,
    });
    state.turns += 1;
    state.toolCalls += reply.toolCalls.length;
    if (turn.controller.signal.aborted) return;
    if (turn.spoken === '') {
      // The agent did not stream (the offline agent): its sentences go one by one.
      const parts = sentences(reply.text);
      for (const [index, part] of parts.entries()) speak(part, index === parts.length - 1);
    } else {
      speak('', true);
    }
    turn.messageId = await recordSpeech(db, active, {
      direction: 'outbound',
      turn: turnKey,
      text: turn.spoken.trim(),
      at: new Date(clock.now()),
    });
    last = turn;
    current = undefined;
    const staffNumber = target.settings.staffNumber;
    if (staffNumber && (await conversationState(db, active)) === 'needs_human') {
      state.handoff = { to: staffNumber };
      state.ended = 'handoff';
      endInHandoff(active);
    }
    await saveSummary(db, active, state);
  }

  function endInHandoff(active: StoredCall): void {
    handedOver = true;
    send({
      type: 'end',
      handoffData: JSON.stringify({ reason: 'handoff', conversationId: active.conversationId }),
    });
  }

  const keypad = callKeypad(dependencies, target, {
    admitted: () => (call && summary ? { call, summary } : undefined),
    // The caller asked for a person: the answer being spoken stops, the call goes to staff.
    queue: (work) => {
      current?.controller.abort();
      turns = turns.then(work).catch(failed);
    },
    transferred: endInHandoff,
    // An entry (a menu choice, a member number) is a turn like a spoken prompt.
    entry: (active, state, keys) => {
      const at = clock.now();
      turns = turns.then(() => answer(active, state, keypadText(keys), at)).catch(failed);
    },
  });

  async function interrupted(active: StoredCall, state: CallSummary, heard: string): Promise<void> {
    state.interruptions += 1;
    const turn = current ?? last;
    if (!turn) return;
    if (turn === current) {
      turn.controller.abort();
      current = undefined;
      turn.messageId = await recordSpeech(db, active, {
        direction: 'outbound',
        turn: String(turnNumber),
        text: heard,
        at: new Date(clock.now()),
        interrupted: true,
      });
    } else if (turn.messageId) {
      await recordHeard(db, active, turn.messageId, heard);
    }
  }

  async function admit(frame: Extract<RelayFrame, { type: 'setup' }>): Promise<boolean> {
    const admitted = await admitCall(dependencies, socket, target, {
      callSid: frame.callSid,
      token: frame.customParameters?.[CALL_TOKEN_PARAMETER],
      mode: 'conversation_relay',
    });
    if (!admitted) return false;
    call = admitted.call;
    summary = admitted.summary;
    if (target.settings.greeting) {
      await recordSpeech(db, call, {
        direction: 'outbound',
        turn: '0',
        text: target.settings.greeting,
        at: new Date(clock.now()),
      });
    }
    return true;
  }

  function failed(error: unknown): void {
    logger.warn({ channel: 'voice', error: (error as Error).name }, 'call turn failed');
  }

  function handle(frame: RelayFrame): void {
    const active = call;
    const state = summary;
    if (!active || !state || handedOver) return;
    switch (frame.type) {
      case 'prompt': {
        if (frame.last === false || frame.voicePrompt.trim() === '') return;
        const promptAt = clock.now();
        // Prompts are answered in order, each after the one before.
        turns = turns.then(() => answer(active, state, frame.voicePrompt, promptAt)).catch(failed);
        return;
      }
      case 'interrupt':
        void interrupted(active, state, frame.utteranceUntilInterrupt ?? '').catch(failed);
        return;
      case 'dtmf':
        keypad.press(frame.digit);
        return;
      case 'error':
        // Twilio's description quotes our frame back; only the fact is logged.
        logger.warn({ channel: 'voice' }, 'ConversationRelay reported an error');
        return;
      default:
        return;
    }
  }

  const admission = receiveFrames(socket, {
    read: (data) => readFrame(relayFrame, data),
    protocol: 'ConversationRelay',
    opens: (frame): frame is Extract<RelayFrame, { type: 'setup' }> => frame.type === 'setup',
    admit,
    handle,
    failed,
  });

  socket.on('close', () => {
    closed = true;
    keypad.stop();
    current?.controller.abort();
    void admission()
      .then(() => turns)
      .then(() =>
        call && summary ? finishSummary(dependencies, call, summary, 'caller_hung_up') : undefined,
      )
      .catch(failed);
  });
}
