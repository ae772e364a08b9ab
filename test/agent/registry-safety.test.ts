/**
 * The registry's safety rules on a real database: who may be offered which tool, stable call
 * keys with intent and outcome records, approval as pending actions, and the tool-call budget.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runApprovedAction } from '../../src/agent/approved-action.ts';
import { createToolRegistry, type TurnLimits, type TurnScope } from '../../src/agent/tool-registry.ts';
import type { Tracker } from '../../src/analytics/tracker.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { Tool, ToolCaller, ToolContext } from '../../src/integrations/types.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { testEgress } from '../support/egress.ts';
import { eventsOf, inboxTool, seedConversation, testTracker, toolCallRows } from './support.ts';

let store: TestStore;
let tracker: Tracker;
let ids: { tenantId: string; conversationId: string };
let contactId: string;

beforeEach(async () => {
  store = await createTestStore();
  tracker = testTracker(store.db);
  ids = await seedConversation(store.db);
  contactId = (await store.db.conversation.findUniqueOrThrow({ where: { id: ids.conversationId } }))
    .contactId;
  await store.db.channelIdentity.create({
    data: { tenantId: ids.tenantId, contactId, channel: 'email', externalId: 'Ada@Example.com' },
  });
});

afterEach(async () => {
  await tracker.close();
  await store.dispose();
});

/** A customer-scoped tool with a side effect (a booking), recording every context it ran with. */
function bookingTool(): Tool<{ day: string }> & { runs: ToolContext[] } {
  const runs: ToolContext[] = [];
  return {
    runs,
    name: 'book_visit',
    description: 'Books a visit.',
    connectorId: 'mailbox',
    provider: 'none',
    service: 'caldav',
    actionType: 'create_event',
    audience: 'customer',
    reads: ['own_appointments'],
    sideEffect: true,
    inputSchema: z.strictObject({ day: z.string() }),
    async run(input, context) {
      runs.push(context);
      return { content: `booked ${input.day}`, itemsProcessed: 1 };
    },
  };
}

const customer = (): ToolCaller => ({
  kind: 'customer',
  contactId,
  emails: ['ada@example.com'],
  phones: [],
  verified: true,
});

function setup() {
  const booking = bookingTool();
  const inbox = inboxTool([]);
  const registry = createToolRegistry({
    db: store.db,
    egress: testEgress,
    tracker,
    clock: systemClock,
    tools: [booking as unknown as Tool, inbox as unknown as Tool],
    loadConfig: async () => ({ host: 'example.test' }),
  });
  const turn = (turnKey: string, limits: TurnLimits = {}, caller: ToolCaller | 'staff' = customer()) => {
    const scope: TurnScope = {
      ...ids,
      channel: 'telegram',
      agentId: ids.tenantId,
      turnKey,
      ...(caller === 'staff' ? {} : { caller }),
    };
    return registry.forTurn(scope, ['book_visit', 'read_emails'], limits);
  };
  return { booking, inbox, registry, turn };
}

describe('tool registry scopes', () => {
  it('offers a customer only customer-scoped tools, whatever the tenant enabled', async () => {
    const { turn } = setup();
    expect((await turn('t1')).available.map((tool) => tool.name)).toEqual(['book_visit']);
    // A staff turn (no caller) gets both.
    expect((await turn('t2', {}, 'staff')).available.map((tool) => tool.name)).toEqual([
      'book_visit',
      'read_emails',
    ]);
    const refused = await (await turn('t3')).run('read_emails', { limit: 5 });
    expect(refused).toMatchObject({ ok: false, record: { errorType: 'not_available' } });
  });

  it('hands the tool the caller and a key made of turn, round and call index', async () => {
    const { booking, turn } = setup();
    const tools = await turn('respond:m1');
    await tools.run('book_visit', { day: 'mon' }, { round: 2, index: 1 });
    await tools.run('book_visit', { day: 'tue' });
    expect(booking.runs.map((context) => context.idempotencyKey)).toEqual([
      'respond:m1:2:1',
      'respond:m1:0:1',
    ]);
    expect(booking.runs[0]!.caller).toEqual(customer());
  });
});

describe('idempotent tool calls', () => {
  it('records intent and outcome; a re-run of the turn returns the outcome and acts not again', async () => {
    const { booking, turn } = setup();
    const first = await (await turn('respond:m1')).run('book_visit', { day: 'mon' }, { round: 0, index: 0 });
    const rerun = await turn('respond:m1');
    const again = await rerun.run('book_visit', { day: 'mon' }, { round: 0, index: 0 });
    expect(again).toEqual(first);
    expect(rerun.calls).toEqual([first.record]);
    expect(booking.runs).toHaveLength(1);
    expect(await store.db.toolCall.findMany({ select: { callKey: true, status: true } })).toEqual([
      { callKey: 'respond:m1:0:0', status: 'finished' },
    ]);
    // Recorded once in the transcript and once in analytics.
    expect(await toolCallRows(store.db, ids.conversationId)).toHaveLength(1);
    await tracker.flush();
    const used = (await eventsOf(store.db, ids.tenantId)).filter(
      (event) => event.name === 'integration_used_in_chat',
    );
    expect(used).toHaveLength(1);
  });

  it('runs a call again whose intent was recorded without an outcome (a crash in between)', async () => {
    const { booking, turn } = setup();
    await store.db.toolCall.create({
      data: { ...ids, callKey: 'respond:m2:0:0', tool: 'book_visit' },
    });
    const outcome = await (await turn('respond:m2')).run(
      'book_visit',
      { day: 'wed' },
      { round: 0, index: 0 },
    );
    expect(outcome).toMatchObject({ ok: true, content: 'booked wed' });
    expect(booking.runs.map((context) => context.idempotencyKey)).toEqual(['respond:m2:0:0']);
    expect(await store.db.toolCall.findFirstOrThrow()).toMatchObject({ status: 'finished' });
  });

  it('keys nothing across turns without a turn key', async () => {
    const { booking, registry } = setup();
    for (const day of ['mon', 'tue']) {
      const tools = await registry.forTurn({ ...ids, channel: 'telegram', agentId: ids.tenantId }, [
        'book_visit',
      ]);
      await tools.run('book_visit', { day });
    }
    expect(booking.runs).toHaveLength(2);
  });
});

describe('approval', () => {
  async function askForBooking(turnKey: string) {
    const { booking, registry, turn } = setup();
    const outcome = await (await turn(turnKey, { approvalRequired: ['book_visit'] })).run('book_visit', {
      day: 'fri',
    });
    return { booking, registry, turn, outcome };
  }

  it('turns the call into one pending action and tells the model a person will confirm', async () => {
    const { booking, turn, outcome } = await askForBooking('respond:m3');
    expect(outcome.ok).toBe(true);
    expect(outcome.content).toMatch(/^pending: a member of staff must approve this/);
    expect(outcome.record).toMatchObject({ tool: 'book_visit', pendingApproval: true });
    expect(booking.runs).toHaveLength(0);
    // The re-run of the same turn finds the same action.
    await (await turn('respond:m3', { approvalRequired: ['book_visit'] })).run('book_visit', { day: 'fri' });
    const actions = await store.db.pendingAction.findMany();
    expect(actions).toEqual([
      expect.objectContaining({
        tool: 'book_visit',
        status: 'pending',
        input: '{"day":"fri"}',
        callKey: 'respond:m3:0:0',
      }),
    ]);
    // Waiting is not integration usage.
    await tracker.flush();
    expect(await eventsOf(store.db, ids.tenantId)).toEqual([]);
    const [row] = await toolCallRows(store.db, ids.conversationId);
    expect(row!.text).toContain('waiting for approval');
  });

  it('runs an approved action once, as the customer, with tracking; a second run acts not again', async () => {
    const { booking, registry } = await askForBooking('respond:m4');
    const action = await store.db.pendingAction.findFirstOrThrow();
    await store.db.pendingAction.update({ where: { id: action.id }, data: { status: 'approved' } });
    await runApprovedAction({ db: store.db, registry }, { tenantId: ids.tenantId, actionId: action.id });
    // The job may run again after a crash, and must not act twice.
    await store.db.pendingAction.update({ where: { id: action.id }, data: { status: 'approved' } });
    await runApprovedAction({ db: store.db, registry }, { tenantId: ids.tenantId, actionId: action.id });
    expect(booking.runs).toHaveLength(1);
    expect(booking.runs[0]!.caller).toMatchObject({
      kind: 'customer',
      contactId,
      emails: ['ada@example.com'],
    });
    expect(booking.runs[0]!.idempotencyKey).toBe(`action:${action.id}:0:0`);
    expect(await store.db.pendingAction.findUniqueOrThrow({ where: { id: action.id } })).toMatchObject({
      status: 'done',
    });
    await tracker.flush();
    const used = (await eventsOf(store.db, ids.tenantId)).filter(
      (event) => event.name === 'integration_used_in_chat',
    );
    expect(used).toEqual([
      expect.objectContaining({ properties: expect.objectContaining({ success: true }) }),
    ]);
  });

  it('runs nothing for a pending, rejected or other tenant’s action', async () => {
    const { booking, registry } = await askForBooking('respond:m5');
    const action = await store.db.pendingAction.findFirstOrThrow();
    const other = await seedConversation(store.db, 'other');
    for (const tenantId of [ids.tenantId, other.tenantId]) {
      await runApprovedAction({ db: store.db, registry }, { tenantId, actionId: action.id });
    }
    await store.db.pendingAction.update({ where: { id: action.id }, data: { status: 'rejected' } });
    await runApprovedAction({ db: store.db, registry }, { tenantId: ids.tenantId, actionId: action.id });
    expect(booking.runs).toHaveLength(0);
  });
});

describe('tool-call budget', () => {
  it('refuses calls past the turn budget, recorded for staff, not run', async () => {
    const { booking, turn } = setup();
    const tools = await turn('respond:m6', { maxToolCalls: 2 });
    for (const day of ['mon', 'tue', 'wed']) await tools.run('book_visit', { day });
    expect(booking.runs).toHaveLength(2);
    expect(tools.calls.map((call) => call.errorType ?? 'ok')).toEqual(['ok', 'ok', 'budget_exceeded']);
    const refused = await tools.run('book_visit', { day: 'thu' });
    expect(refused.content).toBe('error: no more tool calls in this turn; answer with what you have');
    await tracker.flush();
    const used = (await eventsOf(store.db, ids.tenantId)).filter(
      (event) => event.name === 'integration_used_in_chat',
    );
    expect(used).toHaveLength(2);
  });
});
