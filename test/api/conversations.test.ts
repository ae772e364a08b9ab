import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { type ConnectedTenant, expectError, useGatewayWorld } from './gateway-world.ts';

interface ConversationItem {
  id: string;
  channel: string;
  state: string;
  contact: { id: string; displayName: string | null; optedOut: boolean };
  lastMessageAt: string;
}

interface MessageItem {
  id: string;
  direction: 'inbound' | 'outbound';
  text: string | null;
  status: string;
  error: string | null;
  providerMessageId: string | null;
  sentAt: string | null;
  editedAt: string | null;
  edits: Array<{ text: string | null; parts: unknown; replacedAt: string }>;
}

interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

describe('staff read API', () => {
  const world = useGatewayWorld();
  let tenant: ConnectedTenant;

  beforeEach(async () => {
    tenant = await world.connectedTenant('bakery');
  });

  async function read<Item>(url: string): Promise<Page<Item>> {
    const response = await world.gateway.request({ method: 'GET', url, token: tenant.apiToken });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Page<Item>>();
  }

  const conversations = (query = '') => read<ConversationItem>(`/admin/conversations${query}`);
  const transcript = (conversationId: string, query = '') =>
    read<MessageItem>(`/admin/conversations/${conversationId}/messages${query}`);

  /** Follows nextCursor from the first page to the last; returns every page. */
  async function allPages<Item>(firstUrl: string): Promise<Array<Page<Item>>> {
    const pages = [await read<Item>(firstUrl)];
    for (let cursor = pages[0]!.nextCursor; cursor !== null; cursor = pages.at(-1)!.nextCursor) {
      expect(pages.length, 'pages').toBeLessThan(20);
      pages.push(await read<Item>(`${firstUrl}&cursor=${cursor}`));
    }
    return pages;
  }

  const conversationOfChat = (chatId: number) =>
    world.store.db.conversation.findFirstOrThrow({
      where: { tenantId: tenant.id, externalChatId: String(chatId) },
    });

  it('filters conversations by channel, by contact and by the time of the last message', async () => {
    await world.say(tenant, 5550006001, 'first');
    await sleep(30);
    const since = new Date().toISOString();
    await sleep(30);
    await world.say(tenant, 5550006002, 'second');
    await world.say(tenant, 5550006003, 'third');
    await world.settled();
    const [first, second, third] = await Promise.all(
      [5550006001, 5550006002, 5550006003].map((chatId) => conversationOfChat(chatId)),
    );
    const ids = (page: Page<ConversationItem>) => page.items.map((item) => item.id).sort();

    expect(ids(await conversations())).toEqual([first!.id, second!.id, third!.id].sort());
    expect(ids(await conversations('?channel=telegram'))).toHaveLength(3);
    expect(ids(await conversations('?channel=whatsapp'))).toEqual([]);
    const byContact = await conversations(`?contactId=${second!.contactId}`);
    expect(byContact.items).toEqual([
      expect.objectContaining({
        id: second!.id,
        channel: 'telegram',
        contact: expect.objectContaining({ id: second!.contactId }),
      }),
    ]);
    expect(ids(await conversations(`?since=${encodeURIComponent(since)}`))).toEqual(
      [second!.id, third!.id].sort(),
    );
    // An offset is accepted too: the same instant written in UTC+02:00.
    const sinceWithOffset = new Date(Date.parse(since) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    expect(ids(await conversations(`?since=${encodeURIComponent(sinceWithOffset)}`))).toEqual(
      [second!.id, third!.id].sort(),
    );
  });

  it('rejects an invalid since, limit or cursor with 400 VALIDATION_FAILED naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['/admin/conversations?since=yesterday', 'since'],
      ['/admin/conversations?since=2026-13-01T00:00:00Z', 'since'],
      ['/admin/conversations?limit=0', 'limit'],
      ['/admin/conversations?limit=201', 'limit'],
      ['/admin/conversations?limit=many', 'limit'],
      ['/admin/conversations?cursor=-1', 'cursor'],
      ['/admin/conversations/anything/messages?cursor=abc', 'cursor'],
    ];
    for (const [url, parameter] of cases) {
      const response = await world.gateway.request({ method: 'GET', url, token: tenant.apiToken });
      expect(expectError(response, 400, 'VALIDATION_FAILED'), url).toContain(parameter);
    }
  });

  it('pages through conversations newest first with limit and nextCursor, without repeats or gaps', async () => {
    const chats = [5550006101, 5550006102, 5550006103, 5550006104, 5550006105];
    for (const chatId of chats) {
      await world.say(tenant, chatId, 'hello');
      await sleep(5);
    }
    await world.settled();
    const pages = await allPages<ConversationItem>('/admin/conversations?limit=2');
    expect(pages.map((page) => page.items.length)).toEqual([2, 2, 1]);
    const listed = pages.flatMap((page) => page.items);
    expect(new Set(listed.map((item) => item.id)).size).toBe(chats.length);
    const stored = await world.store.db.conversation.findMany({ where: { tenantId: tenant.id } });
    expect(listed.map((item) => item.id).sort()).toEqual(stored.map((row) => row.id).sort());
    const times = listed.map((item) => Date.parse(item.lastMessageAt));
    expect(times).toEqual([...times].sort((left, right) => right - left));
  });

  it('lists a transcript oldest first, in both directions, with the delivery status of each reply', async () => {
    const chatId = 5550006201;
    await world.say(tenant, chatId, 'hello');
    await world.settled();
    world.telegram.fail('sendMessage', [
      { status: 403, description: 'Forbidden: bot was blocked by the user' },
    ]);
    await world.say(tenant, chatId, 'thanks');
    await world.settled();
    const { id } = await conversationOfChat(chatId);
    const { items, nextCursor } = await transcript(id);

    expect(nextCursor).toBeNull();
    expect(items.map((item) => [item.direction, item.status])).toEqual([
      ['inbound', 'received'],
      ['outbound', 'sent'],
      ['inbound', 'received'],
      ['outbound', 'failed'],
    ]);
    const [hello, reply, , failed] = items;
    expect(hello!.text).toBe('hello');
    expect(reply!.providerMessageId).toMatch(new RegExp(`^${chatId}:\\d+$`));
    expect(reply!.sentAt).not.toBeNull();
    expect(reply!.text).toBe(world.telegram.sent()[0]!.text);
    expect(failed!.error).toMatch(/blocked/);

    const pages = await allPages<MessageItem>(`/admin/conversations/${id}/messages?limit=3`);
    expect(pages.map((page) => page.items.map((item) => item.id))).toEqual([
      items.slice(0, 3).map((item) => item.id),
      items.slice(3).map((item) => item.id),
    ]);
  });

  it('shows an edited message with its new text and the earlier version listed under it', async () => {
    const update = await world.say(tenant, 5550006301, 'Table for two on Monday');
    const edit = {
      update_id: 9_000,
      edited_message: { ...update.message, text: 'Table for two on Tuesday', edit_date: 1767268900 },
    };
    expect((await world.gateway.postUpdate(tenant.slug, edit, tenant.webhookSecret)).statusCode).toBe(200);
    await world.settled();
    const { id } = await conversationOfChat(5550006301);
    const [edited] = (await transcript(id)).items.filter((item) => item.direction === 'inbound');

    expect(edited).toMatchObject({
      text: 'Table for two on Tuesday',
      editedAt: new Date(1767268900_000).toISOString(),
    });
    expect(edited!.edits).toEqual([
      {
        text: 'Table for two on Monday',
        parts: [{ type: 'text', text: 'Table for two on Monday' }],
        replacedAt: expect.any(String),
      },
    ]);
  });

  it('answers 404 NOT_FOUND for a conversation that does not exist', async () => {
    const response = await world.gateway.request({
      method: 'GET',
      url: '/admin/conversations/no-such-conversation/messages',
      token: tenant.apiToken,
    });
    expectError(response, 404, 'NOT_FOUND');
  });
});
