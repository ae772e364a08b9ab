import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOfflineAgent } from '../../src/agent/offline-agent.ts';
import { type AgentSettings, defaultAgentSettings } from '../../src/agent/settings.ts';
import { createToolRegistry } from '../../src/agent/tool-registry.ts';
import { createRequestHumanTool } from '../../src/agent/tools/request-human.ts';
import type { Tracker } from '../../src/analytics/tracker.ts';
import type { DbTransaction } from '../../src/store/index.ts';
import { createTestStore, type TestStore } from '../support/database.ts';
import { testEgress } from '../support/egress.ts';
import {
  calendarTools,
  eventsOf,
  type InboxBehaviour,
  inboxTool,
  seedConversation,
  testTracker,
} from './support.ts';

// Monday 23 November 2026, 10:00 in the process's time zone.
const NOW = new Date(2026, 10, 23, 10, 0);

let store: TestStore;
let tracker: Tracker;
let ids: { tenantId: string; conversationId: string };
let notices: Array<{ conversationId: string; reason?: string }>;

beforeEach(async () => {
  store = await createTestStore();
  tracker = testTracker(store.db);
  ids = await seedConversation(store.db);
  notices = [];
});

afterEach(async () => {
  await tracker.close();
  await store.dispose();
});

async function ask(
  text: string,
  options: {
    inbox?: InboxBehaviour[];
    settings?: Partial<AgentSettings>;
    channel?: string;
    connected?: boolean;
  } = {},
) {
  const calendar = calendarTools();
  calendar.events.push({
    title: 'Dentist',
    start: new Date(2026, 10, 24, 9).toISOString(),
    end: new Date(2026, 10, 24, 10).toISOString(),
  });
  const inbox = inboxTool(options.inbox ?? []);
  const registry = createToolRegistry({
    db: store.db,
    egress: testEgress,
    tracker,
    clock: { now: () => NOW.getTime() },
    tools: [
      inbox,
      ...calendar.tools,
      createRequestHumanTool({
        db: store.db,
        notifyStaff: async (_tx: DbTransaction, request) => {
          notices.push(request);
        },
      }),
    ],
    loadConfig: async () => (options.connected === false ? undefined : { host: 'example.test' }),
  });
  // The staff calendar tools are no longer enabled by default; this suite turns them on.
  const settings = {
    ...defaultAgentSettings,
    enabledTools: [...defaultAgentSettings.enabledTools, 'read_calendar', 'create_event'],
    ...options.settings,
  };
  const channel = options.channel ?? 'telegram';
  const tools = await registry.forTurn({ ...ids, channel, agentId: ids.tenantId }, settings.enabledTools);
  const reply = await createOfflineAgent({ now: () => NOW }).reply({
    tenant: { id: ids.tenantId, name: 'Bäckerei Schmidt' },
    conversationId: ids.conversationId,
    channel,
    contact: { displayName: 'Ada Lovelace', locale: null },
    transcript: [{ direction: 'inbound', kind: 'text', text }],
    settings,
    tools,
  });
  return { reply, calendar, inbox };
}

describe('offline agent with tools', () => {
  it('words the mail the tool returns, in English and German', async () => {
    const english = await ask('Show me my latest emails', { inbox: [{ kind: 'messages', count: 0 }] });
    expect(english.reply.text).toBe(
      'I found no emails from or to your address. I can only look up mail sent from the address you write to us from.',
    );
    expect(english.inbox.inputs).toEqual([{ limit: 5 }]);
    const german = await ask('Gibt es neue Mails im Posteingang?', {
      inbox: [{ kind: 'messages', count: 0 }],
    });
    expect(german.reply.text).toMatch(/^Ich habe keine E-Mails von oder an deine Adresse gefunden/);
  });

  it('never calls the staff calendar tools, even when they are enabled', async () => {
    for (const text of [
      'Welche Termine habe ich morgen?',
      'Book me tomorrow at 10:00',
      'Ist morgen was frei?',
    ]) {
      const { reply, calendar } = await ask(text);
      expect(calendar.reads).toEqual([]);
      expect(calendar.events).toHaveLength(1);
      // The customer calendar tools are not registered here: the agent says so politely.
      expect(reply.text, text).toMatch(/not connected|nicht verbunden/);
    }
  });

  it('answers from the FAQ despite typos and inflection', async () => {
    const faq = [
      { question: 'What are your opening hours?', answer: 'Mon–Fri 7–18, Sat 7–13.' },
      { question: 'Liefert ihr auch nach Hause?', answer: 'Ja, ab 20 € im Umkreis von 5 km.' },
    ];
    expect((await ask('opening hour pls', { settings: { faq } })).reply.text).toBe('Mon–Fri 7–18, Sat 7–13.');
    expect((await ask('Liefern Sie nach Hause?', { settings: { faq } })).reply.text).toBe(
      'Ja, ab 20 € im Umkreis von 5 km.',
    );
    expect((await ask('Do you sell bread?', { settings: { faq } })).reply.text).toMatch(
      /noted it for the team/,
    );
  });

  it('hands over to a person on request, once, and says so', async () => {
    const { reply } = await ask('Ich möchte mit einem Mitarbeiter sprechen');
    expect(reply.text).toBe(
      'Ich habe das Gespräch an unser Team übergeben; ein Mitarbeiter meldet sich hier bei dir.',
    );
    expect(reply.toolCalls).toEqual([
      expect.objectContaining({ tool: 'request_human', success: true, itemsProcessed: 1 }),
    ]);
    const conversation = await store.db.conversation.findUniqueOrThrow({ where: { id: ids.conversationId } });
    expect(conversation.state).toBe('needs_human');
    expect(notices).toEqual([
      expect.objectContaining({ conversationId: ids.conversationId, reason: 'customer_asked' }),
    ]);
    await ask('talk to a human please');
    expect(notices).toHaveLength(1);
    // request_human is the agent's own tool, not an integration.
    expect(await eventsOf(store.db, ids.tenantId)).toEqual([]);
  });

  it('answers politely when a tool fails or is not connected', async () => {
    const failed = await ask('latest emails', { inbox: [{ kind: 'fail', errorType: 'auth_expired' }] });
    expect(failed.reply.text).toMatch(/^Sorry, that did not work just now/);
    const errors = (await eventsOf(store.db, ids.tenantId)).filter(
      (event) => event.name === 'integration_error',
    );
    expect(errors.map((event) => event.properties.error_type)).toEqual(['auth_expired']);
    const unconnected = await ask('Zeig mir meine Mails', { connected: false });
    expect(unconnected.reply.text).toMatch(/^Das kann ich hier leider nicht erledigen/);
    const disabled = await ask('latest emails', { settings: { enabledTools: [] } });
    expect(disabled.inbox.inputs).toEqual([]);
  });

  it('keeps SMS replies plain and short', async () => {
    const faq = [
      {
        question: 'opening hours',
        answer: `**Open** daily. ${'We bake fresh bread every morning. '.repeat(20)}`,
      },
    ];
    const { reply } = await ask('opening hours?', { settings: { faq }, channel: 'sms' });
    expect(reply.text.startsWith('Open daily.')).toBe(true);
    expect(reply.text.length).toBeLessThanOrEqual(320);
    expect(reply.text.endsWith('.')).toBe(true);
  });
});
