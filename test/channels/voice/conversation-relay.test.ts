import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signCallToken } from '../../../src/server/voice/call-token.ts';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN } from '../../fakes/twilio-api.ts';
import { eventually, PUBLIC_URL } from '../../support/gateway.ts';
import {
  CALLER,
  callSidOf,
  callTokenOf,
  incomingCallForm,
  openTwilioSocket,
  STAFF_NUMBER,
  startVoiceLine,
  type TwilioSocket,
  type VoiceLine,
} from './voice-line.ts';

const RELAY_PATH = '/voice/relay/bakery';

/** Setting up a gateway and its database takes long on a loaded machine (PostgreSQL especially). */
const HOOK_TIMEOUT_MS = 120_000;

describe('voice: ConversationRelay', () => {
  let line: VoiceLine;

  beforeEach(async () => {
    line = await startVoiceLine();
    expect((await line.configureVoice({ staff_number: STAFF_NUMBER })).statusCode).toBe(200);
  }, HOOK_TIMEOUT_MS);

  afterEach(async () => {
    await line.close();
  }, HOOK_TIMEOUT_MS);

  async function placeCall(index: number): Promise<{ callSid: string; token: string; twiml: string }> {
    const callSid = callSidOf(index);
    const response = await line.post('/voice/incoming/bakery', incomingCallForm(callSid));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/xml');
    return { callSid, token: callTokenOf(response.body), twiml: response.body };
  }

  function setupFrame(callSid: string, token: string) {
    return {
      type: 'setup',
      sessionId: 'VX00000000000000000000000000000001',
      accountSid: FAKE_ACCOUNT_SID,
      parentCallSid: '',
      callSid,
      from: CALLER,
      to: '+15550009999',
      forwardedFrom: '',
      callType: 'PSTN',
      callerName: '',
      direction: 'inbound',
      callStatus: 'RINGING',
      customParameters: { callToken: token },
    };
  }

  async function connect(index: number): Promise<{ socket: TwilioSocket; callSid: string }> {
    const { callSid, token } = await placeCall(index);
    const socket = await openTwilioSocket(line, RELAY_PATH);
    socket.send(setupFrame(callSid, token));
    return { socket, callSid };
  }

  /** The text the socket got for one turn: tokens up to and including the one with `last: true`. */
  async function spokenTurn(socket: TwilioSocket, from: number): Promise<{ tokens: string[]; next: number }> {
    await eventually(
      () => socket.frames.slice(from).some((frame) => frame.type === 'text' && frame.last === true),
      20_000,
      'the last token of the turn',
    );
    const end = socket.frames.findIndex(
      (frame, index) => index >= from && frame.type === 'text' && frame.last === true,
    );
    const tokens = socket.frames
      .slice(from, end + 1)
      .filter((frame) => frame.type === 'text')
      .map((frame) => String(frame.token));
    return { tokens, next: end + 1 };
  }

  async function callMessage(callSid: string) {
    return line.store.db.message.findFirstOrThrow({
      where: { tenantId: line.tenant.id, channel: 'voice', providerMessageId: callSid },
    });
  }

  it('answers the call webhook with ConversationRelay TwiML carrying a per-call value', async () => {
    const { twiml, callSid } = await placeCall(1);
    expect(twiml).toContain(`<Connect action="${PUBLIC_URL}/voice/connected/bakery">`);
    expect(twiml).toContain(
      '<ConversationRelay url="wss://gateway.test/voice/relay/bakery" welcomeGreeting="Hello, Bakery Schmidt here." language="en-US" interruptible="any" dtmfDetection="true">',
    );
    const call = await callMessage(callSid);
    expect(call).toMatchObject({ direction: 'inbound', kind: 'call', status: 'received' });
    // Twilio retries a webhook it got no answer to: the same CallSid is one call.
    await placeCall(1);
    expect(await line.store.db.message.count({ where: { kind: 'call' } })).toBe(1);
  });

  it('refuses a call webhook with a forged or missing signature and stores nothing', async () => {
    const form = incomingCallForm(callSidOf(2));
    const forged = await line.post('/voice/incoming/bakery', form, 'r/0UV53ZjLQMC4bnpZHWG4wuGf4=');
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ error: 'SIGNATURE_INVALID' });
    const missing = await line.post('/voice/incoming/bakery', form, null);
    expect(missing.statusCode).toBe(401);
    expect(missing.json().message).toContain('x-twilio-signature');
    expect(await line.store.db.message.count()).toBe(0);
    const unknown = await line.post('/voice/incoming/nobody', form);
    expect(unknown.statusCode).toBe(404);
  });

  it('refuses an upgrade with a forged or missing signature before it becomes a socket', async () => {
    await expect(openTwilioSocket(line, RELAY_PATH, null)).rejects.toThrow('upgrade refused: 401');
    await expect(openTwilioSocket(line, RELAY_PATH, 'eutPhyNs1V/pfpDJzko7y+CKzqo=')).rejects.toThrow(
      'upgrade refused: 401',
    );
    // Signed for another tenant's path: the signature covers the URL.
    const { callSid, token } = await placeCall(3);
    const elsewhere = (await import('../../fakes/twilio-api.ts')).signTwilioRequest(
      FAKE_AUTH_TOKEN,
      'wss://gateway.test/voice/relay/other',
      '',
    );
    await expect(openTwilioSocket(line, RELAY_PATH, elsewhere)).rejects.toThrow('upgrade refused: 401');
    expect((await callMessage(callSid)).status).toBe('received');
    expect(token).not.toBe('');
  });

  it('refuses a reused, expired or foreign per-call value and stores nothing of the socket', async () => {
    const { socket, callSid } = await connect(4);
    await eventually(async () => (await callMessage(callSid)).status === 'in_progress', 10_000, 'the claim');
    const { token } = {
      token: callTokenOf((await line.post('/voice/incoming/bakery', incomingCallForm(callSid))).body),
    };
    const reused = await openTwilioSocket(line, RELAY_PATH);
    reused.send(setupFrame(callSid, token));
    expect((await reused.closed).code).toBe(1008);

    const { callSid: second } = await placeCall(5);
    const expired = signCallToken(
      { tenantId: line.tenant.id, callSid: second, expiresAt: Date.now() - 1_000 },
      FAKE_AUTH_TOKEN,
    );
    const late = await openTwilioSocket(line, RELAY_PATH);
    late.send(setupFrame(second, expired));
    expect(await late.closed).toMatchObject({ code: 1008, reason: 'the call value has expired' });

    const forged = signCallToken(
      { tenantId: line.tenant.id, callSid: second, expiresAt: Date.now() + 60_000 },
      'not-the-auth-token',
    );
    const wrong = await openTwilioSocket(line, RELAY_PATH);
    wrong.send(setupFrame(second, forged));
    expect(await wrong.closed).toMatchObject({ code: 1008, reason: 'the call value has a wrong signature' });

    const early = await openTwilioSocket(line, RELAY_PATH);
    early.send({ type: 'prompt', voicePrompt: 'hello', lang: 'en-US', last: true });
    expect((await early.closed).code).toBe(1008);

    expect((await callMessage(second)).status).toBe('received');
    expect(await line.store.db.message.count({ where: { kind: 'text' } })).toBe(1); // the greeting of the first call
    socket.close();
  });

  it('streams the offline agent’s answer sentence by sentence and keeps the call in the transcript', async () => {
    // An earlier SMS from the same number: the call belongs to the same person.
    expect((await line.receiveSms(1, 'Hi there')).statusCode).toBe(200);

    const { socket, callSid } = await connect(6);
    socket.send({ type: 'prompt', voicePrompt: 'What can you do for me?', lang: 'en-US', last: true });
    const turn = await spokenTurn(socket, 0);
    expect(turn.tokens.length).toBeGreaterThan(1);
    expect(turn.tokens.join('')).toMatch(/Bakery Schmidt/);
    socket.close();
    await eventually(
      async () => {
        const [summary] = JSON.parse((await callMessage(callSid)).parts) as Array<Record<string, unknown>>;
        return summary?.ended === 'caller_hung_up';
      },
      10_000,
      'the call summary',
    );

    const call = await callMessage(callSid);
    const [summary] = JSON.parse(call.parts) as Array<Record<string, unknown>>;
    expect(summary).toMatchObject({ type: 'call', mode: 'conversation_relay', turns: 1, handoff: null });
    expect(summary!.latencyMs).toHaveLength(1);
    expect(typeof summary!.durationMs).toBe('number');

    const calls = await line.gateway.request({
      method: 'GET',
      url: '/admin/voice/calls',
      token: line.tenant.apiToken,
    });
    expect(calls.statusCode).toBe(200);
    expect(calls.json().calls).toMatchObject([
      { conversationId: call.conversationId, summary: { turns: 1 } },
    ]);
    expect(calls.json().latency).toMatchObject({ turns: 1, p50Ms: (summary!.latencyMs as number[])[0] });
    const badQuery = await line.gateway.request({
      method: 'GET',
      url: '/admin/voice/calls?limit=0',
      token: line.tenant.apiToken,
    });
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().message).toContain('limit');

    const response = await line.gateway.request({
      method: 'GET',
      url: `/admin/conversations/${call.conversationId}/messages`,
      token: line.tenant.apiToken,
    });
    const items = response.json().items as Array<{ direction: string; kind: string; text: string | null }>;
    expect(items.map((item) => [item.direction, item.kind])).toEqual([
      ['inbound', 'call'],
      ['outbound', 'text'],
      ['inbound', 'text'],
      ['outbound', 'text'],
    ]);
    expect(items[2]!.text).toBe('What can you do for me?');
    expect(items[3]!.text).toBe(turn.tokens.join('').trim());

    const conversation = await line.gateway.request({
      method: 'GET',
      url: `/admin/conversations/${call.conversationId}`,
      token: line.tenant.apiToken,
    });
    const identities = conversation.json().contact.identities as Array<{ channel: string }>;
    expect(identities.map((identity) => identity.channel).sort()).toEqual(['sms', 'voice']);
  });

  it('transfers a caller who asks for a person: end with handoff data, then <Dial> to staff', async () => {
    const { socket, callSid } = await connect(7);
    socket.send({
      type: 'prompt',
      voicePrompt: 'Can I talk to a real person please?',
      lang: 'en-US',
      last: true,
    });
    const end = await socket.waitFor((frame) => frame.type === 'end', 'the end frame');
    expect(JSON.parse(String(end.handoffData))).toMatchObject({ reason: 'handoff' });
    socket.close();
    const action = await line.post('/voice/connected/bakery', {
      AccountSid: FAKE_ACCOUNT_SID,
      CallSid: callSid,
      CallStatus: 'in-progress',
      HandoffData: String(end.handoffData),
    });
    expect(action.statusCode).toBe(200);
    expect(action.body).toContain(`<Dial>${STAFF_NUMBER}</Dial>`);
    const call = await callMessage(callSid);
    const conversation = await line.store.db.conversation.findUniqueOrThrow({
      where: { id: call.conversationId },
    });
    expect(conversation.state).toBe('needs_human');
    await eventually(
      async () => {
        const [summary] = JSON.parse((await callMessage(callSid)).parts) as Array<Record<string, unknown>>;
        return summary?.endedAt !== null && summary;
      },
      10_000,
      'the call summary',
    );
    const [summary] = JSON.parse((await callMessage(callSid)).parts) as Array<Record<string, unknown>>;
    expect(summary).toMatchObject({ ended: 'handoff', handoff: { to: STAFF_NUMBER } });

    const status = await line.post('/voice/status/bakery', {
      AccountSid: FAKE_ACCOUNT_SID,
      CallSid: callSid,
      CallStatus: 'completed',
      CallDuration: '42',
    });
    expect(status.statusCode).toBe(200);
    expect((await callMessage(callSid)).status).toBe('completed');
  });

  it('reads the keypad: an entry ended by # is a turn for the agent, a 0 to begin with reaches staff', async () => {
    const { socket, callSid } = await connect(9);
    // A 0 inside an entry is a key like any other (member number 1 0 4).
    for (const digit of ['1', '0', '4', '#']) socket.send({ type: 'dtmf', digit });
    const { tokens } = await spokenTurn(socket, 0);
    expect(tokens.join('').trim()).not.toBe('');
    const call = await callMessage(callSid);
    const said = await line.store.db.message.findMany({
      where: { conversationId: call.conversationId, kind: 'text', direction: 'inbound' },
    });
    expect(said.map((row) => row.text)).toEqual(['(keypad) 104']);
    expect(socket.frames.some((frame) => frame.type === 'end')).toBe(false);

    socket.send({ type: 'dtmf', digit: '0' });
    const end = await socket.waitFor((frame) => frame.type === 'end', 'the end frame');
    expect(JSON.parse(String(end.handoffData))).toMatchObject({
      reason: 'handoff',
      conversationId: call.conversationId,
    });
    socket.close();
    const action = await line.post('/voice/connected/bakery', {
      AccountSid: FAKE_ACCOUNT_SID,
      CallSid: callSid,
      HandoffData: String(end.handoffData),
    });
    expect(action.body).toContain(`<Dial>${STAFF_NUMBER}</Dial>`);
    const conversation = await line.store.db.conversation.findUniqueOrThrow({
      where: { id: call.conversationId },
    });
    expect(conversation.state).toBe('needs_human');
    const summary = await eventually(
      async () => {
        const [first] = JSON.parse((await callMessage(callSid)).parts) as Array<Record<string, unknown>>;
        return first?.endedAt !== null && first;
      },
      10_000,
      'the call summary',
    );
    expect(summary).toMatchObject({ ended: 'handoff', handoff: { to: STAFF_NUMBER }, turns: 1 });
  });

  it('hangs up, not transfers, when the session ended without a handoff', async () => {
    const { socket, callSid } = await connect(8);
    socket.send({ type: 'prompt', voicePrompt: 'Hello', lang: 'en-US', last: true });
    await spokenTurn(socket, 0);
    socket.close();
    const action = await line.post('/voice/connected/bakery', {
      AccountSid: FAKE_ACCOUNT_SID,
      CallSid: callSid,
    });
    expect(action.body).toContain('<Hangup/>');
    expect(action.body).not.toContain('<Dial>');
  });
});
