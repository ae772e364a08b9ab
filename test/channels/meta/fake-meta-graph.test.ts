import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FAKE_INSTAGRAM,
  FAKE_PAGE,
  FAKE_WHATSAPP,
  type FakeMetaGraph,
  startFakeMetaGraph,
} from '../../fakes/meta-graph.ts';

let fake: FakeMetaGraph;

beforeEach(async () => {
  fake = await startFakeMetaGraph();
});

afterEach(async () => {
  await fake.close();
});

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${fake.baseUrl}/v21.0${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, { code?: number }> };
}

describe('the fake Graph API', () => {
  it('refuses an unknown token with Graph’s 401 and code 190', async () => {
    const answer = await call('GET', '/me', 'EAAunknown');
    expect(answer.status).toBe(401);
    expect(answer.body.error?.code).toBe(190);
  });

  it('refuses a node the token does not reach', async () => {
    const answer = await call('GET', `/${FAKE_WHATSAPP.phoneNumberId}`, FAKE_PAGE.accessToken);
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 100 } } });
  });

  it('enforces each channel’s text limit as Meta does', async () => {
    const whatsapp = await call(
      'POST',
      `/${FAKE_WHATSAPP.phoneNumberId}/messages`,
      FAKE_WHATSAPP.accessToken,
      {
        messaging_product: 'whatsapp',
        to: '15550000001',
        type: 'text',
        text: { body: 'a'.repeat(4097) },
      },
    );
    const messenger = await call('POST', '/me/messages', FAKE_PAGE.accessToken, {
      recipient: { id: '1' },
      messaging_type: 'RESPONSE',
      message: { text: 'a'.repeat(2001) },
    });
    const instagram = await call('POST', '/me/messages', FAKE_INSTAGRAM.accessToken, {
      recipient: { id: '1' },
      messaging_type: 'RESPONSE',
      message: { text: 'ü'.repeat(501) },
    });
    for (const answer of [whatsapp, messenger, instagram]) expect(answer.status).toBe(400);
    expect(fake.sent()).toEqual([]);
  });

  it('requires a tag for MESSAGE_TAG and records it', async () => {
    const untagged = await call('POST', '/me/messages', FAKE_PAGE.accessToken, {
      recipient: { id: '1' },
      messaging_type: 'MESSAGE_TAG',
      message: { text: 'hi' },
    });
    expect(untagged.status).toBe(400);
    const tagged = await call('POST', `/${FAKE_PAGE.pageId}/messages`, FAKE_PAGE.accessToken, {
      recipient: { id: '1' },
      messaging_type: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
      message: { text: 'hi' },
    });
    expect(tagged.status).toBe(200);
    expect(fake.sent()).toEqual([
      expect.objectContaining({ channel: 'messenger', messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }),
    ]);
  });

  it('answers scripted failures only for the calls they match, in order', async () => {
    fake.fail(`/${FAKE_WHATSAPP.phoneNumberId}/messages`, [{ status: 503 }], (body) => body.type === 'text');
    const path = `/${FAKE_WHATSAPP.phoneNumberId}/messages`;
    const read = await call('POST', path, FAKE_WHATSAPP.accessToken, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.1',
    });
    const text = { messaging_product: 'whatsapp', to: '15550000001', type: 'text', text: { body: 'hi' } };
    const failed = await call('POST', path, FAKE_WHATSAPP.accessToken, text);
    const sent = await call('POST', path, FAKE_WHATSAPP.accessToken, text);
    expect([read.status, failed.status, sent.status]).toEqual([200, 503, 200]);
    expect(fake.reads()).toEqual([{ messageId: 'wamid.1', typing: false }]);
  });
});
