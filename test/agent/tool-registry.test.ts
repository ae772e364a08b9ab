import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyToolFailure, createToolRegistry, type ToolRegistry } from '../../src/agent/tool-registry.ts';
import type { Tracker } from '../../src/analytics/tracker.ts';
import { systemClock } from '../../src/core/clock.ts';
import { ToolError } from '../../src/integrations/types.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { testEgress } from '../support/egress.ts';
import {
  eventsOf,
  type InboxBehaviour,
  inboxTool,
  seedConversation,
  testTracker,
  toolCallRows,
} from './support.ts';

let store: TestStore;
let tracker: Tracker;
let scope: { tenantId: string; conversationId: string; channel: string; agentId: string };

beforeEach(async () => {
  store = await createTestStore();
  tracker = testTracker(store.db);
  const seeded = await seedConversation(store.db);
  scope = { ...seeded, channel: 'telegram', agentId: seeded.tenantId };
});

afterEach(async () => {
  await tracker.close();
  await store.dispose();
});

function registry(behaviours: InboxBehaviour[], options: { configured?: boolean; timeoutMs?: number } = {}) {
  const tool = inboxTool(behaviours);
  const built: ToolRegistry = createToolRegistry({
    db: store.db,
    egress: testEgress,
    tracker,
    clock: systemClock,
    tools: [tool],
    loadConfig: async (_tenant, connectorId) =>
      options.configured === false || connectorId !== 'mailbox' ? undefined : { host: 'mail.test' },
    timeoutMs: options.timeoutMs ?? 2_000,
    maxResultChars: 40,
  });
  return { tool, built };
}

describe('tool registry', () => {
  it('shows the model a JSON schema of the arguments', async () => {
    const { built } = registry([]);
    const turn = await built.forTurn(scope, ['read_emails']);
    expect(turn.available).toEqual([
      {
        name: 'read_emails',
        description: 'Reads the latest emails of the business inbox.',
        parameters: expect.objectContaining({
          type: 'object',
          properties: { limit: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 20 }) },
          required: ['limit'],
          additionalProperties: false,
        }),
      },
    ]);
  });

  it('offers only enabled tools whose connector the tenant configured', async () => {
    expect((await registry([]).built.forTurn(scope, [])).available).toEqual([]);
    expect(
      (await registry([], { configured: false }).built.forTurn(scope, ['read_emails'])).available,
    ).toEqual([]);
  });

  it('records a successful read once in analytics and in the transcript, without content', async () => {
    const { built } = registry([{ kind: 'messages', count: 3 }]);
    const turn = await built.forTurn(scope, ['read_emails']);
    const outcome = await turn.run('read_emails', { limit: 5 });
    expect(outcome.ok).toBe(true);
    expect(outcome.content).toContain('SECRET-SUBJECT-1');
    // Trimmed to the budget of 40 characters, with a note for the model.
    expect(outcome.content).toBe('1. SECRET-SUBJECT-1\n2. SECRET-SUBJECT-2\n\n[cut: the result was longer]');
    expect(outcome.record).toMatchObject({ tool: 'read_emails', success: true, itemsProcessed: 3 });

    const events = await eventsOf(store.db, scope.tenantId);
    expect(events).toEqual([
      {
        name: 'integration_used_in_chat',
        properties: {
          chat_id: scope.conversationId,
          agent_id: scope.tenantId,
          provider: 'none',
          service: 'imap_mail',
          action_type: 'read_emails',
          success: true,
          items_processed: 3,
        },
      },
      {
        name: 'integration_data_fetched',
        properties: expect.objectContaining({
          service: 'imap_mail',
          data_type: 'emails',
          item_count: 3,
          is_refresh: false,
        }),
      },
    ]);
    const rows = await toolCallRows(store.db, scope.conversationId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ direction: 'internal', kind: 'tool_call', status: 'recorded' });
    expect(JSON.parse(rows[0]!.parts)).toEqual([
      {
        type: 'tool_call',
        tool: 'read_emails',
        success: true,
        itemsProcessed: 3,
        durationMs: expect.any(Number),
      },
    ]);
    const stored = JSON.stringify({ events, rows });
    expect(stored).not.toContain('SECRET');
    expect(stored).not.toContain('mail.test');
  });

  it('classifies a ToolError and emits integration_error with its status', async () => {
    const { built } = registry([{ kind: 'fail', errorType: 'auth_expired', httpStatus: 401 }]);
    const turn = await built.forTurn(scope, ['read_emails']);
    const outcome = await turn.run('read_emails', { limit: 2 });
    expect(outcome).toMatchObject({ ok: false, content: 'error: the tool failed (auth_expired)' });
    const events = await eventsOf(store.db, scope.tenantId);
    expect(events.map((event) => event.name)).toEqual(['integration_used_in_chat', 'integration_error']);
    expect(events[0]!.properties).toMatchObject({ success: false, items_processed: 0 });
    expect(events[1]!.properties).toEqual({
      provider: 'none',
      service: 'imap_mail',
      error_type: 'auth_expired',
      http_status: 401,
      operation: 'read_emails',
      auto_recovered: false,
    });
    expect(JSON.parse((await toolCallRows(store.db, scope.conversationId))[0]!.parts)[0]).toMatchObject({
      success: false,
      errorType: 'auth_expired',
    });
  });

  it('classifies a refused connection as network_error and anything else as server_error', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classifyToolFailure(new TypeError('fetch failed', { cause: refused }), false)).toBe(
      'network_error',
    );
    expect(classifyToolFailure(new Error('unexpected'), false)).toBe('server_error');
    expect(classifyToolFailure(new ToolError('not_found', 'gone'), false)).toBe('not_found');

    const { built } = registry([
      { kind: 'throw', error: refused },
      { kind: 'throw', error: new RangeError('bug') },
    ]);
    const turn = await built.forTurn(scope, ['read_emails']);
    await turn.run('read_emails', { limit: 1 });
    await turn.run('read_emails', { limit: 1 });
    const errors = (await eventsOf(store.db, scope.tenantId)).filter(
      (event) => event.name === 'integration_error',
    );
    expect(errors.map((event) => event.properties.error_type)).toEqual(['network_error', 'server_error']);
    expect(turn.calls.map((call) => call.errorType)).toEqual(['network_error', 'server_error']);
  });

  it('gives up on a call that takes too long, as a network error', async () => {
    const { built } = registry([{ kind: 'hang' }], { timeoutMs: 100 });
    const turn = await built.forTurn(scope, ['read_emails']);
    const started = Date.now();
    const outcome = await turn.run('read_emails', { limit: 1 });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(outcome.record).toMatchObject({ success: false, errorType: 'network_error' });
  });

  it('validates arguments before running: invalid ones reach neither the tool nor analytics', async () => {
    const { built, tool } = registry([]);
    const turn = await built.forTurn(scope, ['read_emails']);
    const outcome = await turn.run('read_emails', { limit: 'all', extra: 1 });
    expect(outcome.ok).toBe(false);
    expect(outcome.content).toMatch(/^error: invalid arguments: limit: /);
    expect(tool.inputs).toEqual([]);
    expect(await eventsOf(store.db, scope.tenantId)).toEqual([]);
    // Staff still see that the model tried.
    expect(JSON.parse((await toolCallRows(store.db, scope.conversationId))[0]!.parts)[0]).toMatchObject({
      tool: 'read_emails',
      errorType: 'invalid_arguments',
    });
  });

  it('refuses a tool the turn does not offer', async () => {
    const { built, tool } = registry([]);
    const turn = await built.forTurn(scope, []);
    const outcome = await turn.run('read_emails', { limit: 1 });
    expect(outcome).toMatchObject({ ok: false, record: { errorType: 'not_available' } });
    expect(tool.inputs).toEqual([]);
  });
});
