import { describe, expect, it } from 'vitest';
import {
  countSmsSegments,
  MAX_SEGMENTS_PER_MESSAGE,
  smsEncoding,
  splitSmsText,
  TWILIO_MAX_BODY_LENGTH,
} from '../../../src/channels/sms/segments.ts';

describe('SMS encoding', () => {
  it('uses GSM-7 for plain text, accents of the GSM table and the extension table', () => {
    expect(smsEncoding('Hello! Ça coûte 5€ [ok] {fine} ~ ^ | \\')).toBe('UCS-2'); // û is not in GSM-7
    expect(smsEncoding('Hello! Ça coute 5€ [ok] {fine} ~ ^ | \\ äöüß ÄÖÜ ñ é è @£$¥')).toBe('GSM-7');
  });

  it('switches to UCS-2 for an emoji, typographic quotes or non-Latin scripts', () => {
    expect(smsEncoding('Thanks 😀')).toBe('UCS-2');
    expect(smsEncoding('It’s open')).toBe('UCS-2');
    expect(smsEncoding('Привет')).toBe('UCS-2');
  });
});

describe('counting segments', () => {
  it.each([
    [0, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [1530, 10],
    [1531, 11],
  ])('GSM-7: %i characters take %i segment(s)', (length, segments) => {
    expect(countSmsSegments('a'.repeat(length))).toBe(segments);
  });

  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
    [670, 10],
    [671, 11],
  ])('UCS-2: %i characters take %i segment(s)', (length, segments) => {
    expect(countSmsSegments('ж'.repeat(length))).toBe(segments);
  });

  it('counts an extension character such as € or { as two septets', () => {
    expect(countSmsSegments('€'.repeat(80))).toBe(1);
    expect(countSmsSegments('€'.repeat(81))).toBe(2);
  });

  it('counts an emoji as two UTF-16 code units and never splits it between segments', () => {
    expect(countSmsSegments('😀'.repeat(35))).toBe(1);
    // 67 code units per segment: 33 emoji fill 66, the 34th does not fit and starts segment two.
    expect(countSmsSegments('😀'.repeat(36))).toBe(2);
    expect(countSmsSegments('😀'.repeat(66))).toBe(2);
    expect(countSmsSegments('😀'.repeat(67))).toBe(3);
  });
});

describe('splitting a reply into messages', () => {
  const sentences = Array.from({ length: 140 }, (_, index) => `Sentence number ${index} of a long answer.`);
  const longText = sentences.join(' ');

  it('leaves a reply that fits one message alone, trimmed', () => {
    expect(splitSmsText('  See you at 9.  ')).toEqual(['See you at 9.']);
    expect(splitSmsText('a'.repeat(1530))).toEqual(['a'.repeat(1530)]);
  });

  it(`keeps every message within ${MAX_SEGMENTS_PER_MESSAGE} segments and Twilio's 1600 characters, in order, whole sentences`, () => {
    expect(longText.length).toBeGreaterThan(5000);
    const pieces = splitSmsText(longText);
    expect(pieces.length).toBe(Math.ceil(longText.length / 1530));
    for (const piece of pieces) {
      expect(countSmsSegments(piece)).toBeLessThanOrEqual(MAX_SEGMENTS_PER_MESSAGE);
      expect(piece.length).toBeLessThanOrEqual(TWILIO_MAX_BODY_LENGTH);
      expect(piece).toMatch(/^Sentence number \d+ .*answer\.$/);
    }
    expect(pieces.join(' ')).toBe(longText);
  });

  it('fits fewer characters per message when the text needs UCS-2', () => {
    const text = Array.from({ length: 100 }, (_, index) => `Ответ номер ${index}.`).join(' ');
    const pieces = splitSmsText(text);
    for (const piece of pieces) {
      expect(smsEncoding(piece)).toBe('UCS-2');
      expect(countSmsSegments(piece)).toBeLessThanOrEqual(MAX_SEGMENTS_PER_MESSAGE);
      expect(piece.length).toBeLessThanOrEqual(670);
    }
    expect(pieces.join(' ')).toBe(text);
  });

  it('measures each message in its own encoding, so a late emoji only shrinks its own message', () => {
    const text = `${longText} Thanks 😀`;
    const pieces = splitSmsText(text);
    expect(pieces.slice(0, -1).every((piece) => smsEncoding(piece) === 'GSM-7')).toBe(true);
    expect(pieces.at(-1)).toMatch(/😀$/);
    expect(smsEncoding(pieces.at(-1)!)).toBe('UCS-2');
    expect(pieces.join(' ')).toBe(text);
  });

  it('prefers a paragraph break to a sentence break', () => {
    const first = 'a '.repeat(500).trim();
    const second = 'Next. '.repeat(150).trim();
    const pieces = splitSmsText(`${first}\n\n${second}`);
    expect(pieces[0]).toBe(first);
  });

  it('cuts a single word longer than a message, and never an emoji in half', () => {
    const pieces = splitSmsText('x'.repeat(3100));
    expect(pieces).toEqual(['x'.repeat(1530), 'x'.repeat(1530), 'x'.repeat(40)]);
    const emoji = splitSmsText('😀'.repeat(400));
    for (const piece of emoji) expect(piece).toMatch(/^(😀)+$/);
    expect(emoji.join('')).toBe('😀'.repeat(400));
  });

  it('returns nothing for an empty or blank reply', () => {
    expect(splitSmsText('   \n ')).toEqual([]);
  });
});
