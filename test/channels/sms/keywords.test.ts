import { describe, expect, it } from 'vitest';
import { DEFAULT_HELP_TEXT } from '../../../src/channels/sms/config.ts';
import { keywordOf, smsAutomaticReply } from '../../../src/channels/sms/keywords.ts';
import { smsConfig } from './fixtures.ts';

describe('keywords', () => {
  it('recognizes only a keyword standing alone, in any capitalization', () => {
    expect(keywordOf('stop')).toBe('opt-out');
    expect(keywordOf('  Unsubscribe\n')).toBe('opt-out');
    expect(keywordOf('yes')).toBe('opt-in');
    expect(keywordOf('info')).toBe('help');
    expect(keywordOf('stop sending me this')).toBeUndefined();
    expect(keywordOf('HELP!')).toBeUndefined();
    expect(keywordOf(null)).toBeUndefined();
  });
});

describe('automatic replies', () => {
  it("answers HELP and INFO with the tenant's help text", () => {
    const config = smsConfig({ help_text: 'Acme Bakery: ask us anything. STOP to opt out.' });
    expect(smsAutomaticReply({ text: 'HELP' }, config)).toBe(
      'Acme Bakery: ask us anything. STOP to opt out.',
    );
    expect(smsAutomaticReply({ text: ' info ' }, config)).toBe(
      'Acme Bakery: ask us anything. STOP to opt out.',
    );
  });

  it('falls back to the default help text when the tenant wrote none', () => {
    expect(smsAutomaticReply({ text: 'help' }, smsConfig())).toBe(DEFAULT_HELP_TEXT);
    expect(smsAutomaticReply({ text: 'help' }, smsConfig({ help_text: '   ' }))).toBe(DEFAULT_HELP_TEXT);
  });

  it('sends nothing for HELP when Twilio Advanced Opt-Out answers it', () => {
    expect(smsAutomaticReply({ text: 'HELP' }, smsConfig({ advanced_opt_out: 'true' }))).toBeNull();
  });

  it('sends nothing for opt-out and opt-in keywords, which Twilio confirms itself', () => {
    for (const text of ['STOP', 'quit', 'START', 'unstop']) {
      expect(smsAutomaticReply({ text }, smsConfig())).toBeNull();
    }
  });

  it('lets the agent answer everything else', () => {
    expect(smsAutomaticReply({ text: 'Can you help me with my order?' }, smsConfig())).toBeUndefined();
    expect(smsAutomaticReply({ text: null }, smsConfig())).toBeUndefined();
  });
});
