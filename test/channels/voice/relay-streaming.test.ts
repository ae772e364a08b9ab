import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FAKE_OPENAI_KEY,
  type FakeStreamingOpenAi,
  startFakeStreamingOpenAi,
} from '../../fakes/openai-chat-stream.ts';
import { FAKE_ACCOUNT_SID } from '../../fakes/twilio-api.ts';
import { eventually } from '../../support/gateway.ts';
import {
  CALLER,
  callSidOf,
  callTokenOf,
  incomingCallForm,
  openTwilioSocket,
  startVoiceLine,
  type TwilioSocket,
  type VoiceLine,
} from './voice-line.ts';

/** Setting up a gateway and its database takes long on a loaded machine (PostgreSQL especially). */
const HOOK_TIMEOUT_MS = 120_000;

describe('voice: ConversationRelay with a streaming model', () => {
  let model: FakeStreamingOpenAi;
  let line: VoiceLine;

  beforeEach(async () => {
    model = await startFakeStreamingOpenAi();
    line = await startVoiceLine({ OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: FAKE_OPENAI_KEY });
    expect((await line.configureVoice()).statusCode).toBe(200);
  }, HOOK_TIMEOUT_MS);

  afterEach(async () => {
    await line.close();
    await model.close();
  }, HOOK_TIMEOUT_MS);

  async function connect(index: number): Promise<{ socket: TwilioSocket; callSid: string }> {
    const callSid = callSidOf(index);
    const token = callTokenOf((await line.post('/voice/incoming/bakery', incomingCallForm(callSid))).body);
    const socket = await openTwilioSocket(line, '/voice/relay/bakery');
    socket.send({
      type: 'setup',
      sessionId: 'VX00000000000000000000000000000001',
      accountSid: FAKE_ACCOUNT_SID,
      callSid,
      from: CALLER,
      to: '+15550009999',
      direction: 'inbound',
      customParameters: { callToken: token },
    });
    return { socket, callSid };
  }

  const textFrames = (socket: TwilioSocket) => socket.frames.filter((frame) => frame.type === 'text');

  it('sends the model’s words as they stream in, then the last token', async () => {
    const pieces = ['We are ', 'open ', 'until ', 'six ', 'today.'];
    model.script({ pieces, delayMs: 20 });
    const { socket } = await connect(1);
    socket.send({ type: 'prompt', voicePrompt: 'What time do you close today?', lang: 'en-US', last: true });
    await socket.waitFor((frame) => frame.type === 'text' && frame.last === true, 'the last token');
    const tokens = textFrames(socket);
    expect(tokens.map((frame) => frame.token)).toEqual([...pieces, '']);
    expect(tokens.slice(0, -1).every((frame) => frame.last === false)).toBe(true);
    const request = model.requests[0]!.body;
    expect(request.stream).toBe(true);
    expect(request.messages.at(-1)?.content).toContain('What time do you close today?');
    socket.close();
  });

  it('stops generating on interrupt and stores what the caller heard', async () => {
    const pieces = Array.from({ length: 40 }, (_, index) => `word${index} `);
    model.script({ pieces, delayMs: 100 });
    const { socket, callSid } = await connect(2);
    socket.send({
      type: 'prompt',
      voicePrompt: 'Tell me everything about your cakes',
      lang: 'en-US',
      last: true,
    });
    await socket.waitFor((frame) => frame.type === 'text' && frame.token === 'word1 ', 'the second token');
    socket.send({ type: 'interrupt', utteranceUntilInterrupt: 'word0', durationUntilInterruptMs: 300 });
    // The model's server sees its client go away: generation stopped.
    await eventually(() => model.abandoned === 1, 20_000, 'the model stream to be abandoned');
    const heard = (await eventually(
      () =>
        line.store.db.message.findFirst({
          where: { tenantId: line.tenant.id, direction: 'outbound', providerMessageId: `${callSid}:agent:1` },
        }),
      20_000,
      'the interrupted line',
    ))!;
    expect(heard.text).toBe('word0');
    expect(JSON.parse(heard.parts)).toEqual([{ type: 'text', text: 'word0' }, { type: 'interrupted' }]);
    const sent = textFrames(socket);
    expect(sent.some((frame) => frame.last === true)).toBe(false);
    expect(sent.length).toBeLessThan(pieces.length);
    expect(model.written.length).toBeLessThan(pieces.length);

    // The next prompt is answered as usual.
    model.script({ pieces: ['Sure.'] });
    socket.send({ type: 'prompt', voicePrompt: 'Just the prices then', lang: 'en-US', last: true });
    await socket.waitFor((frame) => frame.type === 'text' && frame.last === true, 'the next turn');
    socket.close();
    await eventually(
      async () => {
        const call = await line.store.db.message.findFirstOrThrow({ where: { providerMessageId: callSid } });
        const [summary] = JSON.parse(call.parts) as Array<Record<string, unknown>>;
        return summary?.endedAt ? summary : undefined;
      },
      20_000,
      'the call summary',
    ).then((summary) => expect(summary).toMatchObject({ turns: 2, interruptions: 1 }));
  });
});
