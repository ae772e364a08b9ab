import type { InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_BOT_USERNAME } from '../fakes/telegram-api.ts';
import { ADMIN_TOKEN, textUpdate } from '../support/gateway.ts';
import { type ConnectedTenant, expectError, useGatewayWorld } from './gateway-world.ts';

const CONFIG_URL = '/admin/connector-hub/telegram/config';
const OVERSIZE = 1024 * 1024 + 1;

describe('error answers', () => {
  const world = useGatewayWorld();

  // Whatever a test threw at the gateway, it must still be serving afterwards.
  afterEach(async () => {
    const health = await world.gateway.request({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
  });

  /** Posts raw bytes to a tenant's Telegram webhook with the tenant's valid secret. */
  const postRaw = (tenant: ConnectedTenant, payload: string | Buffer, contentType = 'application/json') =>
    world.gateway.app.inject({
      method: 'POST',
      url: `/webhook/telegram/${tenant.slug}`,
      headers: { 'content-type': contentType, 'x-telegram-bot-api-secret-token': tenant.webhookSecret },
      payload,
    });

  const admin = (options: InjectOptions) => world.gateway.request({ token: ADMIN_TOKEN, ...options });
  const storedCounts = () =>
    Promise.all([world.store.db.message.count(), world.store.db.contact.count(), world.store.db.job.count()]);

  it('answers malformed JSON to an admin route with 400 MALFORMED_JSON', async () => {
    const tenant = await world.connectedTenant('bakery');
    const headers = { 'content-type': 'application/json' };
    expectError(
      await admin({ method: 'POST', url: '/admin/tenants', headers, payload: '{"slug":' }),
      400,
      'MALFORMED_JSON',
    );
    const put = await world.gateway.request({
      method: 'PUT',
      url: CONFIG_URL,
      token: tenant.apiToken,
      headers,
      payload: '{',
    });
    expectError(put, 400, 'MALFORMED_JSON');
  });

  it('answers a webhook body that is not a Telegram update with 400 MALFORMED_PAYLOAD and stores nothing', async () => {
    const tenant = await world.connectedTenant('bakery');
    const before = await storedCounts();
    for (const body of ['{"update_id": 1,', '', 'null', '[1, 2]', '"text"', '{}', '{"update_id": "one"}']) {
      expectError(await postRaw(tenant, body), 400, 'MALFORMED_PAYLOAD');
    }
    expect(await storedCounts()).toEqual(before);
  });

  it('answers 404 UNKNOWN_CHANNEL for a channel that does not exist and 404 NOT_FOUND for a tenant', async () => {
    const tenant = await world.connectedTenant('bakery');
    expectError(await world.gateway.postUpdate('x', { update_id: 1 }, 'secret'), 404, 'NOT_FOUND');
    const unknownChannel = await world.gateway.app.inject({
      method: 'POST',
      url: `/webhook/nope/${tenant.slug}`,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expectError(unknownChannel, 404, 'UNKNOWN_CHANNEL');
  });

  it('answers a body over 1 MiB with 413 PAYLOAD_TOO_LARGE on the webhook and on an admin route', async () => {
    const tenant = await world.connectedTenant('bakery');
    const before = await storedCounts();
    const update = textUpdate({ updateId: 1, messageId: 1, chatId: 1, text: 'x'.repeat(OVERSIZE) });
    expectError(await postRaw(tenant, JSON.stringify(update)), 413, 'PAYLOAD_TOO_LARGE');
    const oversizeConfig = JSON.stringify({ admin_chat_id: '1'.repeat(OVERSIZE) });
    const put = await world.gateway.request({
      method: 'PUT',
      url: CONFIG_URL,
      token: tenant.apiToken,
      headers: { 'content-type': 'application/json' },
      payload: oversizeConfig,
    });
    expectError(put, 413, 'PAYLOAD_TOO_LARGE');
    expect(await storedCounts()).toEqual(before);
  });

  it('answers a text/plain body with 415 UNSUPPORTED_MEDIA_TYPE on the webhook and on admin JSON routes', async () => {
    const tenant = await world.connectedTenant('bakery');
    const before = await storedCounts();
    const update = JSON.stringify(textUpdate({ updateId: 1, messageId: 1, chatId: 1, text: 'hi' }));
    expectError(await postRaw(tenant, update, 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await storedCounts()).toEqual(before);

    const headers = { 'content-type': 'text/plain' };
    const put = await world.gateway.request({
      method: 'PUT',
      url: CONFIG_URL,
      token: tenant.apiToken,
      headers,
      payload: '{"admin_chat_id":"1"}',
    });
    expectError(put, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const created = await admin({ method: 'POST', url: '/admin/tenants', headers, payload: 'slug=shop' });
    expectError(created, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await world.store.db.tenant.count()).toBe(1);
  });

  it('names the offending field in every validation error', async () => {
    const tenant = await world.gateway.createTenant('bakery');
    const cases: Array<[InjectOptions & { token?: string }, string]> = [
      [
        { method: 'POST', url: '/admin/tenants', token: ADMIN_TOKEN, payload: { slug: 'A B', name: 'Shop' } },
        'slug',
      ],
      [{ method: 'POST', url: '/admin/tenants', token: ADMIN_TOKEN, payload: { slug: 'shop' } }, 'name'],
      [{ method: 'PUT', url: CONFIG_URL, token: tenant.apiToken, payload: { colour: 'blue' } }, 'colour'],
      [
        { method: 'PUT', url: CONFIG_URL, token: tenant.apiToken, payload: { admin_chat_id: '1' } },
        'bot_token',
      ],
      [
        { method: 'PUT', url: CONFIG_URL, token: tenant.apiToken, payload: { bot_token: 'nope' } },
        'bot_token',
      ],
      [{ method: 'PUT', url: CONFIG_URL, token: tenant.apiToken, payload: { bot_token: 7 } }, 'bot_token'],
      [
        { method: 'GET', url: '/admin/connector-hub/telegram/setup-docs?lang=fr', token: tenant.apiToken },
        'lang',
      ],
    ];
    for (const [request, field] of cases) {
      const message = expectError(await world.gateway.request(request), 400, 'VALIDATION_FAILED');
      expect(message, `${request.method} ${request.url}`).toContain(field);
    }
    expect(await world.connectorRow(tenant)).toBeNull();
  });

  it('answers a duplicate tenant slug with 409 CONFLICT, also when the requests race', async () => {
    const create = () =>
      admin({ method: 'POST', url: '/admin/tenants', payload: { slug: 'bakery', name: 'Bakery' } });
    expect((await create()).statusCode).toBe(201);
    expectError(await create(), 409, 'CONFLICT');
    const racing = async (slug: string) =>
      Promise.all(
        Array.from({ length: 6 }, () =>
          admin({ method: 'POST', url: '/admin/tenants', payload: { slug, name: slug } }),
        ),
      );
    for (const response of (await racing('florist')).filter((answer) => answer.statusCode !== 201)) {
      expectError(response, 409, 'CONFLICT');
    }
    expect(await world.store.db.tenant.count({ where: { slug: 'florist' } })).toBe(1);
  });

  /** Posts each body with the valid secret; every answer must be 200 or a MALFORMED_PAYLOAD 400. */
  async function expectNoServerError(tenant: ConnectedTenant, bodies: Buffer[]): Promise<void> {
    // Message 1 exists, so the edits among the bodies have something to change.
    expect((await postRaw(tenant, JSON.stringify(updateTemplates(1)[0]))).statusCode).toBe(200);
    // Twenty at a time, as concurrent deliveries: the gateway writes them in shared transactions.
    for (let start = 0; start < bodies.length; start += 20) {
      const chunk = bodies.slice(start, start + 20);
      const responses = await Promise.all(chunk.map((body) => postRaw(tenant, body)));
      for (const [index, response] of responses.entries()) {
        const shown = `${response.statusCode} ${response.body} for ${chunk[index]!.toString('utf8').slice(0, 300)}`;
        expect([200, 400], shown).toContain(response.statusCode);
        if (response.statusCode === 400) expectError(response, 400, 'MALFORMED_PAYLOAD');
      }
    }
    await world.settled();
    await world.say(tenant, 5550004001, 'still answering after the noise');
  }

  it('answers 200 or 400, never 5xx, to 200 random bodies sent with a valid secret', async () => {
    const tenant = await world.connectedTenant('bakery');
    const random = seededRandom(20260102);
    await expectNoServerError(tenant, [
      ...Array.from({ length: 40 }, () => randomBytes(random)),
      ...Array.from({ length: 40 }, () => Buffer.from(JSON.stringify(randomJson(random, 3)) ?? 'null')),
      ...Array.from({ length: 120 }, (_, index) => Buffer.from(JSON.stringify(mutatedUpdate(random, index)))),
    ]);
  });

  it('answers 200 or 400, never 5xx, to an awkward value in each field of each kind of update', async () => {
    const tenant = await world.connectedTenant('bakery');
    let index = 1;
    const bodies = updateTemplates(index).flatMap((template, kind) =>
      pathsIn(template).flatMap((path) =>
        [undefined, ...awkwardValues].map((value) => {
          // Each body is a new message (or button press), so none is dropped as a duplicate.
          index += 1;
          return Buffer.from(JSON.stringify(withValueAt(updateTemplates(index)[kind]!, path, value)));
        }),
      ),
    );
    expect(bodies.length).toBeGreaterThan(1000);
    await expectNoServerError(tenant, bodies);
    // Over a thousand requests: on a loaded two-core machine they take longer than the default 30 s.
  }, 120_000);
});

type Random = () => number;

/** mulberry32: a small deterministic generator, so a failing body can be reproduced. */
function seededRandom(seed: number): Random {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, choices: readonly T[]): T => choices[Math.floor(random() * choices.length)]!;

function randomBytes(random: Random): Buffer {
  return Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
}

/** Values that tend to break things: extremes of numbers and dates, NUL, lone surrogates, huge strings. */
const awkwardValues: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  -2_147_483_649,
  Number.MAX_SAFE_INTEGER,
  1e21,
  9_000_000_000_000,
  253_402_300_800,
  '',
  ' ',
  'a\u0000b',
  '\ud800',
  '😀'.repeat(3000),
  'x'.repeat(70_000),
  '<script>',
  "'; DROP TABLE messages; --",
  [],
  {},
  [[[[]]]],
];

function randomJson(random: Random, depth: number): unknown {
  const roll = random();
  if (depth <= 0 || roll < 0.4) return pick(random, awkwardValues);
  if (roll < 0.7)
    return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(random, depth - 1));
  const keys = ['update_id', 'message', 'chat', 'from', 'id', 'text', 'date', 'type', 'entities', 'x'];
  return Object.fromEntries(
    Array.from({ length: Math.floor(random() * 5) }, () => [
      pick(random, keys),
      randomJson(random, depth - 1),
    ]),
  );
}

const FUZZ_CHAT_ID = 5550005000;

/**
 * A real-looking update of each kind the gateway handles: a message (numbered `index`), a
 * group mention, an edit of message 1, a button press and a block.
 */
function updateTemplates(index: number): Array<Record<string, unknown>> {
  const { message } = textUpdate({ updateId: index, messageId: index, chatId: FUZZ_CHAT_ID, text: 'hi' });
  const mention = `@${FAKE_BOT_USERNAME}`;
  const group = {
    ...message,
    chat: { id: -100123, type: 'supergroup' },
    text: `${mention} hi`,
    entities: [{ type: 'mention', offset: 0, length: mention.length }],
  };
  const buttons = { inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }]] };
  return [
    { update_id: index, message },
    { update_id: index, message: group },
    { update_id: index, edited_message: { ...message, message_id: 1, edit_date: 1767268900 } },
    {
      update_id: index,
      callback_query: {
        id: `q${index}`,
        from: message.from,
        data: 'yes',
        message: { chat: message.chat, reply_markup: buttons },
      },
    },
    {
      update_id: index,
      my_chat_member: {
        chat: message.chat,
        from: message.from,
        date: 1767268800,
        new_chat_member: { status: 'kicked' },
      },
    },
  ];
}

/** A random template with one to three fields replaced by random values or removed. */
function mutatedUpdate(random: Random, index: number): Record<string, unknown> {
  let update = pick(random, updateTemplates(1000 + index));
  for (let changes = 1 + Math.floor(random() * 3); changes > 0; changes -= 1) {
    const paths = pathsIn(update);
    if (paths.length === 0) break;
    update = withValueAt(update, pick(random, paths), random() < 0.2 ? undefined : randomJson(random, 2));
  }
  return update;
}

type Path = Array<string | number>;

/** The path of every value inside `value`, containers included, outermost first. */
function pathsIn(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    return [path, ...pathsIn(child, path)];
  });
}

/** A copy of `value` with the value at `path` replaced, or removed when `replacement` is undefined. */
function withValueAt(
  value: Record<string, unknown>,
  path: Path,
  replacement: unknown,
): Record<string, unknown> {
  const copy = structuredClone(value);
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (replacement === undefined) delete parent[last];
  else parent[last] = replacement;
  return copy;
}
