import { describe, expect, it } from 'vitest';
import { splitInstagramText } from '../../../src/channels/instagram/split.ts';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('splitting for Instagram’s 1000-byte limit', () => {
  it('leaves a text that fits alone, trimmed', () => {
    expect(splitInstagramText('  Hello there.  ')).toEqual(['Hello there.']);
    expect(splitInstagramText('a'.repeat(1000))).toEqual(['a'.repeat(1000)]);
  });

  it('breaks long English text between sentences, every piece within 1000 bytes, in order', () => {
    const text = Array.from({ length: 140 }, (_, index) => `Sentence ${index} of the answer.`).join(' ');
    const pieces = splitInstagramText(text);
    expect(pieces.length).toBeGreaterThan(3);
    for (const piece of pieces) {
      expect(bytes(piece)).toBeLessThanOrEqual(1000);
      expect(piece).toMatch(/\.$/);
    }
    expect(pieces.join(' ')).toBe(text);
  });

  it('counts bytes, not characters: German umlauts take two', () => {
    const text = Array.from({ length: 200 }, () => 'Grüße für Jürgen.').join(' ');
    expect(text.length).toBeLessThan(4000);
    const pieces = splitInstagramText(text);
    for (const piece of pieces) expect(bytes(piece)).toBeLessThanOrEqual(1000);
    expect(pieces.join(' ')).toBe(text);
  });

  it('never cuts an emoji in half, even in a text without spaces', () => {
    const text = '👋'.repeat(600);
    const pieces = splitInstagramText(text);
    expect(pieces.map(bytes)).toEqual([1000, 1000, 400]);
    expect(pieces.join('')).toBe(text);
    expect(pieces.join('')).not.toContain('\ufffd');
  });

  it('cuts a single word longer than the limit', () => {
    const pieces = splitInstagramText('x'.repeat(2500));
    expect(pieces.map((piece) => piece.length)).toEqual([1000, 1000, 500]);
  });
});
