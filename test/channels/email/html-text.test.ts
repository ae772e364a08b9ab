import { describe, expect, it } from 'vitest';
import { emailText } from '../../../src/channels/email/content.ts';
import { htmlToText, MAX_HTML_INPUT, MAX_HTML_OUTPUT } from '../../../src/channels/email/html-text.ts';
import type { InboundEmail } from '../../../src/channels/email/schema.ts';
import { cpuMilliseconds, fastestOfThree } from '../../support/cpu-time.ts';

const MEBIBYTE = 1024 * 1024;

/** `unit` repeated until the string is one mebibyte long. */
function mebibyteOf(unit: string): string {
  return unit.repeat(Math.ceil(MEBIBYTE / unit.length)).slice(0, MEBIBYTE);
}

// The budget is per conversion of a whole mebibyte; the regex version took minutes on some of these.
const BUDGET_MS = 200;

describe('htmlToText on hostile input', () => {
  const hostile: Record<string, string> = {
    'nested unclosed tags': mebibyteOf('<div><span><b>'),
    'bare <': mebibyteOf('<'),
    'deep nesting, closed': `${'<div>'.repeat(MEBIBYTE / 12)}x${'</div>'.repeat(MEBIBYTE / 12)}`,
    'unmatched closing tags under open ones': `${'<i>'.repeat(MEBIBYTE / 8)}${'</span>'.repeat(MEBIBYTE / 14)}`,
    'an unterminated comment': `<!--${mebibyteOf('a-')}`,
    'an unterminated script': `<script>${mebibyteOf('</scrip')}`,
    'an attribute without end': `<a href="${mebibyteOf('&amp;')}`,
    'tags with whitespace runs': mebibyteOf(`<p>${' '.repeat(1000)}x`),
    'entities only': mebibyteOf('&lt;&#x1F600;&auml;'),
  };
  for (const [name, html] of Object.entries(hostile)) {
    it(`converts a mebibyte of ${name} in under ${BUDGET_MS} ms`, async () => {
      const elapsed = await fastestOfThree(() => htmlToText(html));
      expect(elapsed).toBeLessThan(BUDGET_MS);
    });
  }

  it('reads at most the first mebibyte of HTML and writes at most the output cap', () => {
    const beyond = `<p>${'a '.repeat(MAX_HTML_INPUT / 2)}</p><p>BEYOND</p>`;
    const text = htmlToText(beyond);
    expect(text).not.toContain('BEYOND');
    expect(text.length).toBeLessThanOrEqual(MAX_HTML_OUTPUT);
    expect(text.length).toBeGreaterThan(MAX_HTML_OUTPUT - 2);
  });
});

describe('htmlToText output', () => {
  it('breaks lines at blocks and <br>, drops hidden elements, decodes entities and collapses whitespace', () => {
    const html = [
      '<html><head><title>Ignored</title><style>p { color: red }</style></head><body>',
      '<p>Hallo   Team,\n  bitte</p><div>zur&uuml;ckrufen &amp; <b>schnell</b>.</div>',
      'Zeile<br>zwei<br/><br>Absatz&nbsp;&#8211;&#x1F600;',
      '<script>alert("x")</script><noscript>js</noscript><ul><li>eins</li><li>zwei</li></ul>',
      '</body></html>',
    ].join('');
    expect(htmlToText(html)).toBe(
      'Hallo Team, bitte\nzurückrufen & schnell.\nZeile\nzwei\n\nAbsatz –😀\neins\nzwei',
    );
  });

  it('ends an unclosed <head> at <body>', () => {
    expect(htmlToText('<head><meta charset="utf-8"><body><p>Text</p>')).toBe('Text');
  });

  it('keeps text that only looks like markup', () => {
    expect(htmlToText('1 < 2 and 3 > 2')).toBe('1 < 2 and 3 > 2');
  });
});

describe('emailText', () => {
  const email = (fields: Partial<InboundEmail>): InboundEmail =>
    ({ MessageID: 'id', From: 'a@example.com', ...fields }) as InboundEmail;

  it('prefers the text part and never converts the HTML beside it', async () => {
    const html = mebibyteOf('<');
    const elapsed = await cpuMilliseconds(() => {
      expect(emailText(email({ TextBody: ' plain text ', HtmlBody: html }))).toBe('plain text');
    });
    // Converting that mebibyte takes tens of milliseconds; not converting it takes none.
    expect(elapsed).toBeLessThan(10);
  });

  it('converts the HTML when there is no text part, and falls back to the subject', () => {
    expect(emailText(email({ TextBody: '', HtmlBody: '<p>Hi</p>', Subject: 'S' }))).toBe('Hi');
    expect(emailText(email({ TextBody: '', HtmlBody: '<p> </p>', Subject: 'S' }))).toBe('S');
  });
});
