import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contactErasure, tenantDeletionByCascade } from '../../src/server/data-protection/tables.ts';
import { listTables, quotedIdentifier } from '../../src/store/tables.ts';
import { type ConnectedTenant, expectError, useGatewayWorld } from '../api/gateway-world.ts';
import { ADMIN_TOKEN, eventually, textUpdate } from '../support/gateway.ts';

const CUSTOMER = 5550123456;
const OTHER_CUSTOMER = 5550987654;
const SECRET_TEXTS = ['Marzipan order for Quirinus Wexelblatt', 'Deliver to Zwetschgenweg 17'];
const EDITED_TEXT = 'Deliver to Zwetschgenweg 19 instead';
const OTHER_TEXT = 'Another customer about Streuselkuchen';

describe('contact export and erasure, tenant deletion', () => {
  const world = useGatewayWorld();
  const db = () => world.store.db;

  /** Every row of every table in the database, as JSON text per table. */
  async function dumpAllTables(): Promise<Map<string, string>> {
    const dump = new Map<string, string>();
    for (const { table } of await listTables(db(), world.store.dialect)) {
      const rows = await db().$queryRaw<unknown[]>`SELECT * FROM ${quotedIdentifier(table)}`;
      dump.set(
        table,
        JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)),
      );
    }
    return dump;
  }

  /** Tables whose rows contain `needle`. */
  function tablesContaining(dump: Map<string, string>, needle: string): string[] {
    return [...dump].filter(([, rows]) => rows.includes(needle)).map(([table]) => table);
  }

  /** A tenant whose customer wrote twice, edited a message and got answers; another customer wrote once. */
  async function customerHistory(): Promise<{ tenant: ConnectedTenant; contactId: string }> {
    const tenant = await world.connectedTenant('bakery');
    await world.say(tenant, CUSTOMER, SECRET_TEXTS[0]!);
    const second = await world.say(tenant, CUSTOMER, SECRET_TEXTS[1]!);
    const edit = {
      update_id: 9000,
      edited_message: { ...second.message, edit_date: 1767268900, text: EDITED_TEXT },
    };
    expect((await world.gateway.postUpdate(tenant.slug, edit, tenant.webhookSecret)).statusCode).toBe(200);
    await world.say(tenant, OTHER_CUSTOMER, OTHER_TEXT);
    await world.settled();
    const identity = await db().channelIdentity.findFirstOrThrow({
      where: { tenantId: tenant.id, externalId: String(CUSTOMER) },
    });
    expect(await db().messageEdit.count()).toBe(1);
    return { tenant, contactId: identity.contactId };
  }

  /** Everything that identifies the customer or what they wrote: ids, their number, texts both ways. */
  async function needlesOf(contactId: string): Promise<string[]> {
    const conversations = await db().conversation.findMany({ where: { contactId } });
    const messages = await db().message.findMany({
      where: { conversationId: { in: conversations.map((row) => row.id) } },
      include: { outbox: true },
    });
    expect(messages.filter((message) => message.direction === 'outbound').length).toBeGreaterThan(0);
    const others = await db().message.findMany({
      where: { conversationId: { notIn: conversations.map((row) => row.id) } },
      select: { text: true },
    });
    const othersTexts = new Set(others.map((message) => message.text));
    return [
      contactId,
      String(CUSTOMER),
      ...SECRET_TEXTS,
      EDITED_TEXT,
      ...conversations.map((row) => row.id),
      ...messages.flatMap((message) => [message.id, ...(message.outbox ? [message.outbox.id] : [])]),
      // The agent's replies, except a standard answer the other customer got word for word.
      ...messages.flatMap((message) =>
        message.direction === 'outbound' && message.text && !othersTexts.has(message.text)
          ? [message.text]
          : [],
      ),
    ];
  }

  /** Agent records of the customer's conversation: a tool call, an action awaiting approval, its job, token usage. */
  async function agentRecords(tenantId: string, contactId: string): Promise<string[]> {
    const conversation = await db().conversation.findFirstOrThrow({ where: { contactId } });
    const inbound = await db().message.findFirstOrThrow({ where: { conversationId: conversation.id } });
    const address = 'quirinus.wexelblatt@example.org';
    const conversationId = conversation.id;
    await db().toolCall.create({
      data: {
        tenantId,
        conversationId,
        callKey: `${inbound.id}:0:0`,
        tool: 'send_email',
        outcome: JSON.stringify({ to: address }),
      },
    });
    const action = await db().pendingAction.create({
      data: {
        tenantId,
        conversationId,
        callKey: `${inbound.id}:0:1`,
        tool: 'send_email',
        input: JSON.stringify({ to: address }),
      },
    });
    await db().job.create({
      data: {
        tenantId,
        kind: 'approved-action',
        payload: JSON.stringify({ actionId: action.id }),
        runAtMs: 0n,
        status: 'done',
      },
    });
    await db().tokenUsage.create({
      data: {
        tenantId,
        conversationId,
        turnKey: inbound.id,
        model: 'test-model',
        day: '2026-12-01',
        promptTokens: 120,
        completionTokens: 30,
      },
    });
    return [address, action.id];
  }

  it('names every table of the database in the erasure plan, and every table without tenantId among the cascaded ones', async () => {
    const tables = await listTables(db(), world.store.dialect);
    expect(tables.map((table) => table.table).sort()).toEqual(Object.keys(contactErasure).sort());
    const withoutTenant = tables
      .filter((table) => !table.columns.includes('tenantId'))
      .map((table) => table.table);
    expect(withoutTenant.sort()).toEqual(Object.keys(tenantDeletionByCascade).sort());
  });

  it('exports everything stored about a contact, and audits the export', async () => {
    const { tenant, contactId } = await customerHistory();
    const [address] = await agentRecords(tenant.id, contactId);
    const response = await world.gateway.request({
      method: 'GET',
      url: `/admin/contacts/${contactId}/export`,
      token: tenant.apiToken,
    });
    expect(response.statusCode, response.body).toBe(200);
    const exported = response.json();
    expect(exported.contact).toMatchObject({ id: contactId, displayName: 'Ada Test' });
    expect(exported.identities).toEqual([
      expect.objectContaining({ channel: 'telegram', externalId: String(CUSTOMER) }),
    ]);
    const messages = exported.conversations.flatMap(
      (conversation: { messages: unknown[] }) => conversation.messages,
    );
    const texts = messages.map((message: { text: string }) => message.text);
    expect(texts).toEqual(expect.arrayContaining([SECRET_TEXTS[0], EDITED_TEXT]));
    const edited = messages.find((message: { text: string }) => message.text === EDITED_TEXT);
    expect(edited.edits).toEqual([expect.objectContaining({ text: SECRET_TEXTS[1] })]);
    expect(
      messages.some(
        (message: { direction: string; outbox: unknown }) =>
          message.direction === 'outbound' && message.outbox,
      ),
    ).toBe(true);
    expect(exported.analyticsEvents.length).toBeGreaterThan(0);
    expect(exported.toolCalls).toEqual([
      expect.objectContaining({ tool: 'send_email', outcome: { to: address } }),
    ]);
    expect(exported.pendingActions).toEqual([expect.objectContaining({ input: { to: address } })]);
    expect(response.body).not.toContain(OTHER_TEXT);
    const audit = await db().auditLog.findMany({
      where: { tenantId: tenant.id, action: 'contact.exported' },
    });
    expect(audit).toEqual([expect.objectContaining({ target: contactId })]);
    expectError(
      await world.gateway.request({
        method: 'GET',
        url: '/admin/contacts/nobody/export',
        token: tenant.apiToken,
      }),
      404,
      'NOT_FOUND',
    );
  });

  it("erases a contact: no table holds their ids, number or texts afterwards, the other customer's data stays, and an audit entry without personal data records it", async () => {
    const { tenant, contactId } = await customerHistory();
    const agentNeedles = await agentRecords(tenant.id, contactId);
    const needles = [...(await needlesOf(contactId)), ...agentNeedles];
    const before = await dumpAllTables();
    for (const needle of [contactId, String(CUSTOMER), SECRET_TEXTS[0]!])
      expect(tablesContaining(before, needle).length, needle).toBeGreaterThan(0);
    // An earlier export named the contact in the audit log.
    await world.gateway.request({
      method: 'GET',
      url: `/admin/contacts/${contactId}/export`,
      token: tenant.apiToken,
    });

    const response = await world.gateway.request({
      method: 'DELETE',
      url: `/admin/contacts/${contactId}`,
      token: tenant.apiToken,
    });
    expect(response.statusCode, response.body).toBe(204);

    const after = await dumpAllTables();
    for (const needle of needles) expect(tablesContaining(after, needle), needle).toEqual([]);
    expect(tablesContaining(after, OTHER_TEXT)).toContain('messages');
    expect(tablesContaining(after, String(OTHER_CUSTOMER))).toContain('channel_identities');
    const [erased] = await db().auditLog.findMany({
      where: { tenantId: tenant.id, action: 'contact.erased' },
    });
    expect(erased).toMatchObject({ target: 'erased' });
    expect(JSON.parse(erased!.details)).toMatchObject({
      identities: 1,
      conversations: 1,
      messages: 4,
      edits: 1,
    });
    expect(await db().auditLog.count({ where: { tenantId: tenant.id, action: 'contact.exported' } })).toBe(1);
    // Spent tokens still count towards the tenant's budget.
    expect(await db().tokenUsage.findMany({ where: { tenantId: tenant.id } })).toEqual([
      expect.objectContaining({ conversationId: null, promptTokens: 120, completionTokens: 30 }),
    ]);
    expect(JSON.parse(erased!.details)).toMatchObject({ toolCalls: 1, pendingActions: 1, tokenUsage: 1 });

    expectError(
      await world.gateway.request({
        method: 'DELETE',
        url: `/admin/contacts/${contactId}`,
        token: tenant.apiToken,
      }),
      404,
      'NOT_FOUND',
    );
  });

  it.skipIf(world.store?.dialect === 'postgresql' || process.env.DATABASE_URL?.startsWith('postgres'))(
    'leaves none of the erased bytes in the SQLite file or its write-ahead log',
    async () => {
      const { tenant, contactId } = await customerHistory();
      const needles = await needlesOf(contactId);
      const file = fileURLToPath(new URL(world.store.url.replace(/^file:/, 'file://')));
      const rawBytes = async () => {
        const wal = await readFile(`${file}-wal`).catch(() => Buffer.alloc(0));
        return Buffer.concat([await readFile(file), wal]);
      };
      expect((await rawBytes()).includes(SECRET_TEXTS[0]!)).toBe(true);

      const response = await world.gateway.request({
        method: 'DELETE',
        url: `/admin/contacts/${contactId}`,
        token: tenant.apiToken,
      });
      expect(response.statusCode).toBe(204);
      const bytes = await rawBytes();
      for (const needle of needles) expect(bytes.includes(needle), needle).toBe(false);
      expect(bytes.includes(OTHER_TEXT)).toBe(true);
      expect((await stat(`${file}-wal`).catch(() => ({ size: 0 }))).size).toBe(0);
    },
  );

  it('deletes a tenant with everything it owns: no row in any table holds its id, and its token stops working', async () => {
    const { tenant, contactId } = await customerHistory();
    await agentRecords(tenant.id, contactId);
    await db().dailyNotice.create({
      data: { tenantId: tenant.id, day: '2026-12-01', kind: 'token_budget_exhausted' },
    });
    const other = await world.connectedTenant('florist', '7000000002:second-bot_token-of-tenant-b');
    await world.say(other, OTHER_CUSTOMER, 'Tulips please');
    await world.settled();
    const before = await dumpAllTables();
    for (const table of [
      'jobs',
      'analytics_events',
      'audit_log',
      'messages',
      'api_tokens',
      'tool_calls',
      'pending_actions',
      'token_usage',
      'daily_notices',
    ])
      expect(tablesContaining(before, tenant.id)).toContain(table);

    const refused = await world.gateway.request({
      method: 'DELETE',
      url: `/admin/tenants/${tenant.slug}`,
      token: other.apiToken,
    });
    expectError(refused, 403, 'FORBIDDEN');
    const response = await world.gateway.request({
      method: 'DELETE',
      url: `/admin/tenants/${tenant.slug}`,
      token: ADMIN_TOKEN,
    });
    expect(response.statusCode, response.body).toBe(204);

    const after = await dumpAllTables();
    expect(tablesContaining(after, tenant.id)).toEqual([]);
    expect(tablesContaining(after, other.id)).toEqual(
      expect.arrayContaining(['messages', 'api_tokens', 'tenants']),
    );
    expect(await db().auditLog.findMany({ where: { action: 'tenant.deleted' } })).toEqual([
      expect.objectContaining({ tenantId: null, target: tenant.slug }),
    ]);
    await eventually(async () => {
      const listing = await world.gateway.request({
        method: 'GET',
        url: '/admin/tokens',
        token: tenant.apiToken,
      });
      return listing.statusCode === 401;
    }, 3000);
    expectError(
      await world.gateway.request({
        method: 'DELETE',
        url: `/admin/tenants/${tenant.slug}`,
        token: ADMIN_TOKEN,
      }),
      404,
      'UNKNOWN_TENANT',
    );
    // The other tenant's webhook still works.
    const update = textUpdate({
      updateId: 9100,
      messageId: 9100,
      chatId: OTHER_CUSTOMER,
      text: 'still here',
    });
    expect((await world.gateway.postUpdate(other.slug, update, other.webhookSecret)).statusCode).toBe(200);
  });
});
