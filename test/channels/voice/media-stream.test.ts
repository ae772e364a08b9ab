import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Tool } from '../../../src/integrations/types.ts';
import { eventsOf, type InboxBehaviour, inboxTool } from '../../agent/support.ts';
import {
  FAKE_REALTIME_KEY,
  type FakeRealtime,
  type FakeRealtimeSession,
  startFakeRealtime,
} from '../../fakes/openai-realtime.ts';
import { FAKE_ACCOUNT_SID } from '../../fakes/twilio-api.ts';
import { eventually, PUBLIC_URL } from '../../support/gateway.ts';
import { speechFrames } from './speech-audio.ts';
import {
  callSidOf,
  callTokenOf,
  incomingCallForm,
  openTwilioSocket,
  STAFF_NUMBER,
  startVoiceLine,
  type TwilioSocket,
  type VoiceLine,
} from './voice-line.ts';

const STREAM_SID = 'MZ00000000000000000000000000000001';

/** Setting up a gateway and its database takes long on a loaded machine (PostgreSQL especially). */
const HOOK_TIMEOUT_MS = 120_000;

describe('voice: Media Streams bridged to a realtime model', () => {
  let realtime: FakeRealtime;
  let line: VoiceLine;
  let behaviours: InboxBehaviour[];

  beforeEach(async () => {
    realtime = await startFakeRealtime();
    behaviours = [{ kind: 'messages', count: 2 }];
    // Customer-scoped like the real read_emails, on the voice connector the tests configure.
    const tool = inboxTool(behaviours, 'voice', 'customer') as unknown as Tool;
    line = await startVoiceLine(
      {
        OPENAI_REALTIME_URL: realtime.url,
        OPENAI_API_KEY: FAKE_REALTIME_KEY,
        OPENAI_REALTIME_MODEL: 'gpt-realtime',
      },
      [tool],
    );
    expect(
      (await line.configureVoice({ mode: 'media_stream', voice: 'marin', staff_number: STAFF_NUMBER }))
        .statusCode,
    ).toBe(200);
  }, HOOK_TIMEOUT_MS);

  afterEach(async () => {
    await line.close();
    await realtime.close();
  }, HOOK_TIMEOUT_MS);

  /** A call placed and its stream started the way Twilio does; resolves with the model's session. */
  async function startStream(
    index: number,
  ): Promise<{ socket: TwilioSocket; session: FakeRealtimeSession; callSid: string }> {
    const callSid = callSidOf(index);
    const answer = await line.post('/voice/incoming/bakery', incomingCallForm(callSid));
    expect(answer.body).toContain('<Stream url="wss://gateway.test/voice/stream/bakery">');
    expect(answer.body).toContain(`<Connect action="${PUBLIC_URL}/voice/connected/bakery">`);
    const socket = await openTwilioSocket(line, '/voice/stream/bakery');
    socket.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    socket.send({
      event: 'start',
      sequenceNumber: '1',
      streamSid: STREAM_SID,
      start: {
        accountSid: FAKE_ACCOUNT_SID,
        streamSid: STREAM_SID,
        callSid,
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: { callToken: callTokenOf(answer.body) },
      },
    });
    const session = await realtime.nextSession();
    await session.waitFor((event) => event.type === 'session.update', 'session.update');
    return { socket, session, callSid };
  }

  function sendSpeech(socket: TwilioSocket, frames: Buffer[], from = 2): void {
    for (const [index, frame] of frames.entries()) {
      socket.send({
        event: 'media',
        sequenceNumber: String(from + index),
        streamSid: STREAM_SID,
        media: {
          track: 'inbound',
          chunk: String(index + 1),
          timestamp: String(20 * (index + 1)),
          payload: frame.toString('base64'),
        },
      });
    }
  }

  /** The model speaks `frames` as one item's audio deltas. */
  function speak(session: FakeRealtimeSession, itemId: string, frames: Buffer[]): void {
    for (const frame of frames) {
      session.send({ type: 'response.output_audio.delta', item_id: itemId, delta: frame.toString('base64') });
    }
  }

  /** The model calls a function; resolves with the output the bridge sends back. */
  async function callFunction(session: FakeRealtimeSession, callId: string, name: string, args: string) {
    session.send({
      type: 'response.function_call_arguments.done',
      response_id: 'resp_1',
      item_id: `item_${callId}`,
      output_index: 0,
      call_id: callId,
      name,
      arguments: args,
    });
    return session.waitFor((event) => event.type === 'conversation.item.create', 'the function output');
  }

  const media = (socket: TwilioSocket) => socket.frames.filter((frame) => frame.event === 'media');

  async function callSummary(callSid: string) {
    const call = await line.store.db.message.findFirstOrThrow({
      where: { providerMessageId: callSid, kind: 'call' },
    });
    return { call, summary: (JSON.parse(call.parts) as Array<Record<string, unknown>>)[0] };
  }

  it('speaks the GA session shape and carries audio both ways, in order, without transcoding', async () => {
    const { socket, session } = await startStream(1);
    const update = session.received.find((event) => event.type === 'session.update')!;
    expect(session.model).toBe('gpt-realtime');
    expect(update.session).toMatchObject({
      type: 'realtime',
      output_modalities: ['audio'],
      audio: {
        input: {
          format: { type: 'audio/pcmu' },
          turn_detection: { type: 'server_vad', interrupt_response: true },
        },
        output: { format: { type: 'audio/pcmu' }, voice: 'marin' },
      },
    });
    expect((update.session as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name)).toContain(
      'read_emails',
    );

    const caller = speechFrames('Hello, is my order shipped?');
    sendSpeech(socket, caller);
    await eventually(
      () =>
        session.received.filter((event) => event.type === 'input_audio_buffer.append').length ===
        caller.length,
      20_000,
      'every caller frame at the model',
    );
    const appended = session.received.filter((event) => event.type === 'input_audio_buffer.append');
    expect(appended.map((event) => event.audio)).toEqual(caller.map((frame) => frame.toString('base64')));

    const answer = speechFrames('Your order shipped yesterday.');
    session.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 2900, item_id: 'item_caller_1' });
    for (const frame of answer) {
      session.send({
        type: 'response.output_audio.delta',
        response_id: 'resp_1',
        item_id: 'item_answer_1',
        output_index: 0,
        content_index: 0,
        delta: frame.toString('base64'),
      });
    }
    await eventually(() => media(socket).length === answer.length, 20_000, 'every answer frame at Twilio');
    expect(media(socket).map((frame) => (frame.media as { payload: string }).payload)).toEqual(
      answer.map((frame) => frame.toString('base64')),
    );
    expect(media(socket).every((frame) => frame.streamSid === STREAM_SID)).toBe(true);
    // Each frame is followed by a mark at its place in the answer.
    const kinds = socket.frames.map((frame) => frame.event);
    expect(kinds.slice(0, 4)).toEqual(['media', 'mark', 'media', 'mark']);
    socket.send({
      event: 'stop',
      sequenceNumber: '999',
      streamSid: STREAM_SID,
      stop: { accountSid: FAKE_ACCOUNT_SID },
    });
    await socket.closed;
  });

  it('refuses a forged upgrade, audio before start and a used per-call value: no model session, no audio forwarded', async () => {
    await expect(openTwilioSocket(line, '/voice/stream/bakery', 'forged-signature')).rejects.toThrow(
      'upgrade refused: 401',
    );
    const early = await openTwilioSocket(line, '/voice/stream/bakery');
    early.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    sendSpeech(early, speechFrames('Hello'));
    expect((await early.closed).code).toBe(1008);
    expect(realtime.sessions).toHaveLength(0);

    const { socket, session, callSid } = await startStream(7);
    const again = await line.post('/voice/incoming/bakery', incomingCallForm(callSid));
    const reused = await openTwilioSocket(line, '/voice/stream/bakery');
    reused.send({
      event: 'start',
      streamSid: STREAM_SID,
      start: { callSid, customParameters: { callToken: callTokenOf(again.body) } },
    });
    sendSpeech(reused, speechFrames('Hello'));
    expect(await reused.closed).toMatchObject({ code: 1008, reason: 'the call value was used already' });
    expect(realtime.sessions).toHaveLength(1);
    expect(session.received.some((event) => event.type === 'input_audio_buffer.append')).toBe(false);
    socket.close();
  });

  it('barge-in clears Twilio’s queue and truncates the answer at the played position', async () => {
    const { socket, session } = await startStream(2);
    const answer = speechFrames('We have many cakes, let me tell you about each of them in detail.');
    speak(session, 'item_answer_2', answer);
    await eventually(() => media(socket).length === answer.length, 20_000, 'the answer at Twilio');
    const marks = socket.frames
      .filter((frame) => frame.event === 'mark')
      .map((frame) => (frame.mark as { name: string }).name);
    // Twilio played ten frames (200 ms) and echoed their marks.
    for (const name of marks.slice(0, 10)) {
      socket.send({ event: 'mark', sequenceNumber: '3', streamSid: STREAM_SID, mark: { name } });
    }
    socket.send({
      event: 'media',
      sequenceNumber: '4',
      streamSid: STREAM_SID,
      media: { payload: speechFrames('Stop')[0]!.toString('base64') },
    });
    await session.waitFor((event) => event.type === 'input_audio_buffer.append', 'the marks before speech');
    session.send({
      type: 'input_audio_buffer.speech_started',
      audio_start_ms: 1020,
      item_id: 'item_caller_2',
    });
    const clear = await socket.waitFor((frame) => frame.event === 'clear', 'clear');
    expect(clear).toEqual({ event: 'clear', streamSid: STREAM_SID });
    const truncate = await session.waitFor(
      (event) => event.type === 'conversation.item.truncate',
      'truncate',
    );
    expect(truncate).toEqual({
      type: 'conversation.item.truncate',
      item_id: 'item_answer_2',
      content_index: 0,
      audio_end_ms: 200,
    });
    socket.close();
  });

  it('runs the model’s function call through the registry, tracks it and returns the result', async () => {
    const { socket, session, callSid } = await startStream(3);
    const output = await callFunction(session, 'call_FAKE0001', 'read_emails', '{"limit":2}');
    expect(output.item).toMatchObject({ type: 'function_call_output', call_id: 'call_FAKE0001' });
    expect(String((output.item as { output: string }).output)).toContain('SECRET-SUBJECT-2');
    await session.waitFor((event) => event.type === 'response.create', 'response.create');
    await line.gateway.app.analytics.flush();
    const used = (await eventsOf(line.store.db, line.tenant.id)).filter(
      (event) => event.name === 'integration_used_in_chat',
    );
    const { call } = await callSummary(callSid);
    expect(used).toHaveLength(1);
    expect(used[0]!.properties).toMatchObject({
      chat_id: call.conversationId,
      action_type: 'read_emails',
      success: true,
    });
    const toolRows = await line.store.db.message.findMany({
      where: { conversationId: call.conversationId, kind: 'tool_call' },
    });
    expect(toolRows).toHaveLength(1);
    socket.close();
    await eventually(async () => (await callSummary(callSid)).summary?.endedAt, 20_000, 'the summary');
    expect((await callSummary(callSid)).summary).toMatchObject({ toolCalls: 1, mode: 'media_stream' });
  });

  it('stores both transcripts in the caller’s conversation, the same contact as their SMS, with the turn latency', async () => {
    expect((await line.receiveSms(2, 'Is the shop open?')).statusCode).toBe(200);
    const smsContact = await eventually(
      () => line.store.db.channelIdentity.findFirst({ where: { channel: 'sms' } }),
      20_000,
      'the SMS identity',
    );

    const { socket, session, callSid } = await startStream(4);
    sendSpeech(socket, speechFrames('Is my order shipped?'));
    session.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 1500, item_id: 'item_caller_4' });
    session.send({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: 'item_caller_4',
      content_index: 0,
      transcript: 'Is my order shipped?',
    });
    session.send({
      type: 'response.output_audio.delta',
      item_id: 'item_answer_4',
      delta: speechFrames('Yes')[0]!.toString('base64'),
    });
    session.send({
      type: 'response.output_audio_transcript.done',
      item_id: 'item_answer_4',
      transcript: 'Yes, it shipped yesterday.',
    });
    await socket.waitFor((frame) => frame.event === 'media', 'the answer');
    socket.send({
      event: 'stop',
      sequenceNumber: '99',
      streamSid: STREAM_SID,
      stop: { accountSid: FAKE_ACCOUNT_SID },
    });
    await eventually(async () => (await callSummary(callSid)).summary?.endedAt, 20_000, 'the summary');

    const { call, summary } = await callSummary(callSid);
    const lines = await line.store.db.message.findMany({
      where: { conversationId: call.conversationId, kind: 'text' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    expect(lines.map((row) => [row.direction, row.text])).toEqual([
      ['inbound', 'Is my order shipped?'],
      ['outbound', 'Yes, it shipped yesterday.'],
    ]);
    const conversation = await line.store.db.conversation.findUniqueOrThrow({
      where: { id: call.conversationId },
    });
    expect(conversation.contactId).toBe(smsContact!.contactId);
    expect(summary).toMatchObject({ turns: 1, ended: 'caller_hung_up' });
    expect(summary!.latencyMs).toHaveLength(1);
  });

  /** Twilio's `<Connect action>` request once the stream ended; the conversation and summary after it. */
  async function afterStream(callSid: string) {
    const action = await line.post('/voice/connected/bakery', {
      AccountSid: FAKE_ACCOUNT_SID,
      CallSid: callSid,
      CallStatus: 'in-progress',
    });
    expect(action.statusCode).toBe(200);
    await eventually(async () => (await callSummary(callSid)).summary?.endedAt, 20_000, 'the summary');
    const { call, summary } = await callSummary(callSid);
    const conversation = await line.store.db.conversation.findUniqueOrThrow({
      where: { id: call.conversationId },
    });
    const lines = await line.store.db.message.findMany({
      where: { conversationId: call.conversationId, kind: 'text' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return {
      twiml: action.body,
      conversation,
      summary,
      lines: lines.map((row) => [row.direction, row.text]),
    };
  }

  const dtmf = (digit: string) => ({
    event: 'dtmf',
    streamSid: STREAM_SID,
    sequenceNumber: '5',
    dtmf: { track: 'inbound_track', digit },
  });

  it('transfers when the model hands the call to a person: the goodbye plays, the stream ends, <Connect action> dials staff', async () => {
    const { socket, session, callSid } = await startStream(5);
    session.send({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: 'item_caller_5',
      content_index: 0,
      transcript: 'Can I talk to a real person please?',
    });
    const output = await callFunction(
      session,
      'call_FAKE0005',
      'request_human',
      '{"reason":"customer_asked"}',
    );
    expect(output.item).toMatchObject({ type: 'function_call_output', call_id: 'call_FAKE0005' });
    await session.waitFor((event) => event.type === 'response.create', 'response.create');
    await eventually(async () => (await callSummary(callSid)).summary?.handoff, 20_000, 'the handoff');
    // The response that made the call ends (here after the tool ran): that must not end the stream yet.
    session.send({
      type: 'response.done',
      response: {
        id: 'resp_5',
        status: 'completed',
        output: [{ type: 'function_call', name: 'request_human' }],
      },
    });

    const goodbye = speechFrames('A colleague will take your call now.');
    speak(session, 'item_goodbye_5', goodbye);
    session.send({
      type: 'response.output_audio_transcript.done',
      item_id: 'item_goodbye_5',
      transcript: 'A colleague will take your call now.',
    });
    session.send({
      type: 'response.done',
      response: { id: 'resp_6', status: 'completed', output: [{ type: 'message', role: 'assistant' }] },
    });
    const isHandoffMark = (frame: Record<string, unknown>) =>
      frame.event === 'mark' && (frame.mark as { name: string }).name === 'handoff';
    await socket.waitFor(isHandoffMark, 'the handoff mark');
    // It follows the whole goodbye, so the stream ends once Twilio has played it.
    expect(media(socket)).toHaveLength(goodbye.length);
    expect(socket.frames.findIndex(isHandoffMark)).toBe(socket.frames.length - 1);
    expect(socket.frames.filter((frame) => frame.event !== 'media' && frame.event !== 'mark')).toEqual([]);
    for (const frame of socket.frames.filter((each) => each.event === 'mark')) {
      socket.send({ event: 'mark', sequenceNumber: '7', streamSid: STREAM_SID, mark: frame.mark });
    }
    await socket.closed;

    const after = await afterStream(callSid);
    expect(after.twiml).toContain(`<Dial>${STAFF_NUMBER}</Dial>`);
    expect(after.conversation.state).toBe('needs_human');
    expect(after.summary).toMatchObject({ ended: 'handoff', handoff: { to: STAFF_NUMBER }, toolCalls: 1 });
    expect(after.lines).toEqual([
      ['inbound', 'Can I talk to a real person please?'],
      ['outbound', 'A colleague will take your call now.'],
    ]);
  });

  it('reads the keypad: an entry reaches the model as the caller’s text, a 0 to begin with transfers at once', async () => {
    const { socket, session, callSid } = await startStream(6);
    // A 0 inside an entry is a key like any other (member number 1 0 4).
    for (const digit of ['1', '0', '4', '#']) socket.send(dtmf(digit));
    const entry = await session.waitFor(
      (event) => event.type === 'conversation.item.create',
      'the keypad entry at the model',
    );
    expect(entry.item).toEqual({
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: '(keypad) 104' }],
    });
    await session.waitFor((event) => event.type === 'response.create', 'response.create');
    expect(session.closed).toBe(false);

    socket.send(dtmf('0'));
    await socket.closed;
    const after = await afterStream(callSid);
    expect(after.twiml).toContain(`<Dial>${STAFF_NUMBER}</Dial>`);
    expect(after.conversation.state).toBe('needs_human');
    expect(after.summary).toMatchObject({ ended: 'handoff', handoff: { to: STAFF_NUMBER } });
    expect(after.lines).toEqual([['inbound', '(keypad) 104']]);
  });
});
