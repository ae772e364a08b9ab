import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { customerCaller } from '../../agent/caller.ts';
import { loadAgentSettings } from '../../agent/settings.ts';
import type { ToolRegistry, TurnTools } from '../../agent/tool-registry.ts';
import type { ConnectorValues } from '../../core/connector.ts';
import {
  type CallSummary,
  conversationState,
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
import { sessionUpdate } from './realtime-session.ts';
import {
  audioMs,
  type ModelEvent,
  readModelEvent,
  readStreamFrame,
  type StreamFrame,
} from './stream-frames.ts';
import type { VoiceTarget } from './voice-target.ts';

export interface StreamDependencies extends SessionDependencies {
  tools: ToolRegistry;
  /** The realtime endpoint and model (OPENAI_REALTIME_URL, OPENAI_REALTIME_MODEL). */
  realtime: { url: string; model: string };
  /** The process-wide key (OPENAI_API_KEY), used when the tenant has no `llm` connector. */
  defaultApiKey: string | undefined;
  loadConfig(tenantId: string, connectorId: string): Promise<ConnectorValues | undefined>;
}

/** Caller audio held while the model's socket opens: five seconds of 20 ms frames. */
const MAX_PENDING_FRAMES = 250;

/** What the caller has been sent of the model's current answer, and what Twilio says was played. */
interface Playback {
  itemId: string;
  sentMs: number;
  playedMs: number;
  /** Mark name → audio position (ms into the item) at that mark. */
  marks: Map<string, number>;
  truncated: boolean;
}

/** The mark that closes the stream once the goodbye before a transfer has played. */
const HANDOFF_MARK = 'handoff';

/**
 * One Media Streams call bridged to a realtime speech model. Nothing but `connected` and
 * `start` is accepted until the per-call value in `start.customParameters` is admitted.
 * Then the caller's μ-law frames go to the model as they are (`input_audio_buffer.append`,
 * in order), and the model's audio comes back as `media` frames, each followed by a `mark`
 * at its position in the answer. When the caller starts speaking over the answer, Twilio's
 * queue is cleared (`clear`) and the model's item is truncated at the position of the last
 * mark Twilio echoed, which is what the caller actually heard. Function calls run through
 * the tool registry with the caller's scopes; transcripts of both sides are stored as the
 * call's messages; the time from the end of the caller's speech to the first audio back is
 * recorded per turn.
 */
export function runStreamSession(
  dependencies: StreamDependencies,
  socket: WebSocket,
  target: VoiceTarget,
): void {
  const { db, clock, logger } = dependencies;
  let streamSid = '';
  let call: StoredCall | undefined;
  let summary: CallSummary | undefined;
  let tools: TurnTools | undefined;
  let model: WebSocket | undefined;
  let modelOpen = false;
  const pending: string[] = [];
  let playback: Playback | undefined;
  let marks = 0;
  let speechStoppedAt: number | undefined;
  let toolRound = 0;
  let lines = 0;
  let handoffPending = false;
  let closed = false;
  // Stored lines keep their order; a failed write is logged, never thrown into the audio path.
  let writes: Promise<unknown> = Promise.resolve();

  const write = (work: () => Promise<unknown>) => {
    writes = writes.then(work).catch((error: unknown) => failed(error));
  };
  const toTwilio = (frame: object) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  };
  // ws writes each message with a system call of its own; a frame and its mark share one.
  const twilioConnection = (socket as unknown as { _socket?: Socket })._socket;
  const toTwilioTogether = (first: object, second: object) => {
    twilioConnection?.cork();
    toTwilio(first);
    toTwilio(second);
    twilioConnection?.uncork();
  };
  const toModel = (event: object) => {
    if (model && modelOpen) model.send(JSON.stringify(event));
  };

  function failed(error: unknown): void {
    logger.warn(
      { channel: 'voice', error: (error as Error)?.name ?? typeof error },
      'media stream step failed',
    );
  }

  function forwardAudio(payload: string): void {
    if (modelOpen) toModel({ type: 'input_audio_buffer.append', audio: payload });
    else if (pending.length < MAX_PENDING_FRAMES) pending.push(payload);
  }

  function bargeIn(state: CallSummary): void {
    const current = playback;
    if (!current || current.truncated || current.sentMs <= current.playedMs) return;
    current.truncated = true;
    current.marks.clear();
    state.interruptions += 1;
    toTwilio({ event: 'clear', streamSid });
    toModel({
      type: 'conversation.item.truncate',
      item_id: current.itemId,
      content_index: 0,
      audio_end_ms: Math.round(current.playedMs),
    });
  }

  function playAudio(state: CallSummary, itemId: string, delta: string): void {
    if (!playback || playback.itemId !== itemId) {
      playback = { itemId, sentMs: 0, playedMs: 0, marks: new Map(), truncated: false };
    }
    if (playback.truncated) return;
    if (speechStoppedAt !== undefined) {
      state.latencyMs.push(clock.now() - speechStoppedAt);
      speechStoppedAt = undefined;
    }
    playback.sentMs += audioMs(delta);
    marks += 1;
    const name = `${itemId}:${marks}`;
    playback.marks.set(name, playback.sentMs);
    toTwilioTogether(
      { event: 'media', streamSid, media: { payload: delta } },
      { event: 'mark', streamSid, mark: { name } },
    );
  }

  async function runTool(
    active: StoredCall,
    state: CallSummary,
    event: Extract<ModelEvent, { type: 'response.function_call_arguments.done' }>,
  ) {
    if (!tools) return;
    let input: unknown = event.arguments;
    try {
      input = JSON.parse(event.arguments || '{}');
    } catch {
      // A string never fits an object schema: the registry records it as invalid arguments.
    }
    const outcome = await tools.run(event.name, input, { round: toolRound++, index: 0 });
    state.toolCalls += 1;
    toModel({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: event.call_id, output: outcome.content },
    });
    toModel({ type: 'response.create' });
    const staffNumber = target.settings.staffNumber;
    if (staffNumber && (await conversationState(db, active)) === 'needs_human') {
      state.handoff = { to: staffNumber };
      state.ended = 'handoff';
      handoffPending = true;
    }
    await saveSummary(db, active, state);
  }

  function onModelEvent(active: StoredCall, state: CallSummary, event: ModelEvent): void {
    switch (event.type) {
      case 'response.output_audio.delta':
        playAudio(state, event.item_id, event.delta);
        return;
      case 'input_audio_buffer.speech_started':
        bargeIn(state);
        return;
      case 'input_audio_buffer.speech_stopped':
        speechStoppedAt = clock.now();
        return;
      case 'conversation.item.input_audio_transcription.completed': {
        lines += 1;
        const line = String(lines);
        if (event.transcript.trim() === '') return;
        write(() =>
          recordSpeech(db, active, {
            direction: 'inbound',
            turn: line,
            text: event.transcript.trim(),
            at: new Date(clock.now()),
          }),
        );
        return;
      }
      case 'response.output_audio_transcript.done': {
        lines += 1;
        const line = String(lines);
        state.turns += 1;
        const interrupted = playback?.itemId === event.item_id && playback.truncated;
        write(() =>
          recordSpeech(db, active, {
            direction: 'outbound',
            turn: line,
            text: event.transcript.trim(),
            at: new Date(clock.now()),
            interrupted,
          }),
        );
        write(() => saveSummary(db, active, state));
        return;
      }
      case 'response.function_call_arguments.done':
        write(() => runTool(active, state, event));
        return;
      case 'response.done': {
        // The answer after a transfer's tool call is the goodbye: close once it has played. The
        // response that made the call is not; the check waits for the tool's run, queued before.
        const calledTool = event.response?.output?.some((item) => item.type === 'function_call') ?? false;
        write(async () => {
          if (handoffPending && !calledTool)
            toTwilio({ event: 'mark', streamSid, mark: { name: HANDOFF_MARK } });
        });
        return;
      }
      case 'error':
        logger.warn(
          { channel: 'voice', type: event.error?.type, code: event.error?.code },
          'realtime model error',
        );
        return;
    }
  }

  const keypad = callKeypad(dependencies, target, {
    admitted: () => (call && summary ? { call, summary } : undefined),
    queue: write,
    // The caller asked for a person: the stream ends at once and the `<Connect action>` dials staff.
    transferred: () => socket.close(),
    // An entry (a menu choice, a member number) is the caller's turn, typed instead of said.
    entry: (active, _state, keys) => {
      const text = keypadText(keys);
      lines += 1;
      const line = String(lines);
      write(() =>
        recordSpeech(db, active, { direction: 'inbound', turn: line, text, at: new Date(clock.now()) }),
      );
      toModel({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
      });
      toModel({ type: 'response.create' });
    },
  });

  async function openModel(active: StoredCall, state: CallSummary): Promise<void> {
    const own = (await dependencies.loadConfig(active.tenantId, 'llm'))?.api_key?.trim();
    const apiKey = own || dependencies.defaultApiKey;
    if (!apiKey) {
      logger.warn({ channel: 'voice' }, 'no model key for a media stream call');
      socket.close();
      return;
    }
    const settings = await loadAgentSettings(db, active.tenantId);
    tools = await dependencies.tools.forTurn(
      {
        tenantId: active.tenantId,
        conversationId: active.conversationId,
        channel: 'voice',
        agentId: active.tenantId,
        caller: await customerCaller(db, active.tenantId, active.contactId, true),
        turnKey: `voice:${active.callSid}`,
      },
      settings.enabledTools,
      { approvalRequired: settings.approvalRequired, maxToolCalls: settings.maxToolCalls },
    );
    const update = sessionUpdate({
      model: dependencies.realtime.model,
      businessName: active.tenantName,
      settings,
      voice: target.settings,
      tools,
    });
    if (closed) return;
    const url = `${dependencies.realtime.url}?model=${encodeURIComponent(dependencies.realtime.model)}`;
    // Compressing base64 audio costs CPU on every frame and saves little: never negotiated.
    const connection = new WebSocket(url, {
      headers: { authorization: `Bearer ${apiKey}` },
      perMessageDeflate: false,
    });
    model = connection;
    connection.on('open', () => {
      modelOpen = true;
      connection.send(JSON.stringify(update));
      for (const payload of pending.splice(0)) toModel({ type: 'input_audio_buffer.append', audio: payload });
    });
    connection.on('message', (data) => {
      const event = readModelEvent(data);
      if (event) onModelEvent(active, state, event);
    });
    connection.on('error', failed);
    connection.on('close', () => {
      modelOpen = false;
      // Without its model the call has nothing to say: end the stream (the action hangs up).
      if (!closed) socket.close();
    });
  }

  async function admit(frame: Extract<StreamFrame, { event: 'start' }>): Promise<boolean> {
    const admitted = await admitCall(dependencies, socket, target, {
      callSid: frame.start.callSid,
      token: frame.start.customParameters?.[CALL_TOKEN_PARAMETER],
      mode: 'media_stream',
    });
    if (!admitted) return false;
    streamSid = frame.streamSid;
    call = admitted.call;
    summary = admitted.summary;
    await openModel(admitted.call, admitted.summary);
    return true;
  }

  function onFrame(frame: StreamFrame): void {
    const state = summary;
    if (!state) return;
    switch (frame.event) {
      case 'media':
        forwardAudio(frame.media.payload);
        return;
      case 'mark': {
        if (frame.mark.name === HANDOFF_MARK) {
          socket.close();
          return;
        }
        const position = playback?.marks.get(frame.mark.name);
        if (playback && position !== undefined) {
          playback.playedMs = Math.max(playback.playedMs, position);
          playback.marks.delete(frame.mark.name);
        }
        return;
      }
      case 'dtmf':
        keypad.press(frame.dtmf.digit);
        return;
      case 'stop':
        socket.close();
        return;
      default:
        return;
    }
  }

  const admission = receiveFrames(socket, {
    read: readStreamFrame,
    protocol: 'Media Streams',
    skip: (frame) => frame.event === 'connected',
    opens: (frame): frame is Extract<StreamFrame, { event: 'start' }> => frame.event === 'start',
    admit,
    handle: onFrame,
    failed,
  });

  socket.on('close', () => {
    closed = true;
    keypad.stop();
    model?.close();
    void admission()
      .then(() => writes)
      .then(() =>
        call && summary ? finishSummary(dependencies, call, summary, 'caller_hung_up') : undefined,
      )
      .catch(failed);
  });
}
