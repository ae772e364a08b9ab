import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MATCHED_TEXT, matchFaq } from '../../src/agent/faq-match.ts';
import { offlineAgent } from '../../src/agent/offline-agent.ts';
import { ingestBatch } from '../../src/normalizer/ingest.ts';
import { capText, MAX_STORED_TEXT_BYTES } from '../../src/normalizer/text-cap.ts';
import type { InboundEditEvent, InboundMessageEvent } from '../../src/normalizer/types.ts';
import { fastestOfThree } from '../support/cpu-time.ts';
import { createTestStore, type TestStore } from '../support/database.ts';

const KIB = 1024;

function message(id: string, text: string): InboundMessageEvent {
  return {
    type: 'message',
    providerMessageId: id,
    chatId: 'chat-1',
    sender: { externalId: 'sender-1' },
    sentAt: new Date('2026-01-01T12:00:00Z'),
    kind: 'text',
    text,
    parts: [{ type: 'text', text }],
  };
}

describe('capText', () => {
  it('keeps text within the cap unchanged and cuts longer text to whole characters', () => {
    expect(capText('kurz', 8)).toBe('kurz');
    // "ä" is two bytes and "😀" four: a cut never splits one.
    expect(capText('ääää', 5)).toBe('ää');
    expect(capText('a😀b', 4)).toBe('a');
    expect(capText('a😀b', 5)).toBe('a😀');
    const long = 'ü'.repeat(MAX_STORED_TEXT_BYTES);
    expect(Buffer.byteLength(capText(long))).toBe(MAX_STORED_TEXT_BYTES);
  });
});

describe('stored inbound text is capped for every channel', () => {
  let store: TestStore;
  let tenantId: string;

  beforeEach(async () => {
    store = await createTestStore();
    tenantId = (await store.db.tenant.create({ data: { slug: 'acme', name: 'Acme' } })).id;
  });

  afterEach(async () => {
    await store.dispose();
  });

  const ingest = (channel: string, events: Array<InboundMessageEvent | InboundEditEvent>) =>
    ingestBatch(store.db, [{ tenantId, channel, events }], async () => {});

  it('stores at most 64 KiB of text and parts, marks the message truncated, and leaves short ones alone', async () => {
    const long = `Anfang ${'x'.repeat(MAX_STORED_TEXT_BYTES)} ENDE`;
    for (const channel of ['telegram', 'email', 'sms', 'whatsapp']) {
      await ingest(channel, [message(`${channel}-long`, long), message(`${channel}-short`, 'Hallo')]);
      const stored = await store.db.message.findFirstOrThrow({
        where: { channel, providerMessageId: `${channel}-long` },
      });
      expect(stored.truncated).toBe(true);
      expect(stored.text).toBe(long.slice(0, MAX_STORED_TEXT_BYTES));
      expect(stored.parts).not.toContain('ENDE');
      expect(JSON.parse(stored.parts)[0].text).toHaveLength(MAX_STORED_TEXT_BYTES);
      const short = await store.db.message.findFirstOrThrow({
        where: { channel, providerMessageId: `${channel}-short` },
      });
      expect(short).toMatchObject({ text: 'Hallo', truncated: false });
    }
  });

  it('caps the text of an edit the same way', async () => {
    await ingest('telegram', [message('m1', 'kurz')]);
    await ingest('telegram', [
      {
        type: 'edit',
        providerMessageId: 'm1',
        chatId: 'chat-1',
        sender: { externalId: 'sender-1' },
        editedAt: new Date('2026-01-01T12:05:00Z'),
        text: 'y'.repeat(MAX_STORED_TEXT_BYTES + 10),
        parts: [{ type: 'text', text: 'y'.repeat(MAX_STORED_TEXT_BYTES + 10) }],
      },
    ]);
    const stored = await store.db.message.findFirstOrThrow({ where: { providerMessageId: 'm1' } });
    expect(stored.truncated).toBe(true);
    expect(stored.text).toHaveLength(MAX_STORED_TEXT_BYTES);
  });
});

describe('what reads stored text reads a bounded part of it', () => {
  const faq = [
    ...Array.from({ length: 199 }, (_, index) => ({
      question: `Frage nummer ${index} über Öffnungszeiten Parkplatz Lieferung Variante${index}`,
      answer: `Antwort ${index}`,
    })),
    { question: 'Habt ihr am Sonntag geöffnet?', answer: 'Sonntags geschlossen' },
  ];

  it('matches a 64 KiB message against 200 FAQ entries in a few milliseconds', async () => {
    const words = Array.from({ length: (64 * KIB) / 8 }, (_, index) => `wort${index}`).join(' ');
    const elapsed = await fastestOfThree(() => matchFaq(words, faq));
    expect(elapsed).toBeLessThan(50);
  });

  it('still finds the question asked at the start of a long message', () => {
    const text = `Habt ihr am Sonntag geöffnet? ${'bla '.repeat(MAX_MATCHED_TEXT)}`;
    expect(matchFaq(text, faq)?.answer).toBe('Sonntags geschlossen');
  });

  it('lets the offline agent answer a 64 KiB booking request full of numbers in well under a second', async () => {
    // chrono-node spends about a second on 64 KiB of lone numbers, looking for a date among them.
    const text = `Termin buchen ${'1 '.repeat(32 * KIB)}`;
    const input = {
      tenant: { id: 't1', name: 'Bäckerei Schmidt' },
      channel: 'telegram',
      contact: { displayName: 'Ada', locale: 'de' },
      transcript: [{ direction: 'inbound' as const, kind: 'text', text }],
    };
    const elapsed = await fastestOfThree(() => offlineAgent.reply(input));
    expect(elapsed).toBeLessThan(100);
  });
});
