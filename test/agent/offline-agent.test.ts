import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../src/agent/language.ts';
import { offlineAgent } from '../../src/agent/offline-agent.ts';
import type { AgentInput } from '../../src/agent/types.ts';

function input(
  text: string | null,
  options: { locale?: string; kind?: string; name?: string } = {},
): AgentInput {
  return {
    tenant: { id: 't1', name: 'Bäckerei Schmidt' },
    channel: 'telegram',
    contact: { displayName: options.name ?? 'Ada Lovelace', locale: options.locale ?? null },
    transcript: [{ direction: 'inbound', kind: options.kind ?? 'text', text }],
  };
}

const reply = async (...args: Parameters<typeof input>) => (await offlineAgent.reply(input(...args))).text;

describe('language detection', () => {
  it('reads German from what was written', () => {
    expect(detectLanguage('Habt ihr morgen offen?', 'en')).toBe('de');
    expect(detectLanguage('Grüße aus Köln', null)).toBe('de');
  });

  it('prefers the written language over the app setting', () => {
    expect(detectLanguage('Do you deliver on Sundays?', 'de-DE')).toBe('en');
  });

  it('falls back to the app setting when the text tells nothing', () => {
    expect(detectLanguage('👍', 'de')).toBe('de');
    expect(detectLanguage(null, 'en-GB')).toBe('en');
    expect(detectLanguage('ok', null)).toBe('en');
  });
});

describe('offline agent', () => {
  it('greets in English with the business name and the first name', async () => {
    expect(await reply('Hello!')).toMatch(
      /^Hello Ada! You are chatting with the assistant of Bäckerei Schmidt/,
    );
  });

  it('greets in German', async () => {
    expect(await reply('Hallo zusammen')).toMatch(
      /^Hallo Ada! Hier schreibt der Assistent von Bäckerei Schmidt/,
    );
  });

  it('treats /start as a greeting in the language of the app', async () => {
    expect(await reply('/start', { locale: 'de' })).toMatch(/^Hallo Ada!/);
  });

  it('explains what it can do', async () => {
    expect(await reply('what can you do?')).toMatch(/I can answer common questions/);
    expect(await reply('Was kannst du?')).toMatch(/Ich beantworte häufige Fragen/);
  });

  it('answers thanks', async () => {
    expect(await reply('Vielen Dank!')).toBe('Gern geschehen! Kann ich sonst noch etwas für dich tun?');
    expect(await reply('thanks a lot')).toBe('You are welcome! Anything else I can do for you?');
  });

  it('acknowledges a photo or voice message without text', async () => {
    expect(await reply(null, { kind: 'media', locale: 'de' })).toMatch(/^Danke, ist angekommen/);
    expect(await reply(null, { kind: 'media' })).toMatch(/^Thank you, I have received it/);
  });

  it('answers anything else politely, never with nothing', async () => {
    expect(await reply('My order 1042 has not arrived')).toMatch(/noted it for the team at Bäckerei Schmidt/);
    expect(await reply('Meine Bestellung ist nicht angekommen')).toMatch(/für das Team von Bäckerei Schmidt/);
  });
});
