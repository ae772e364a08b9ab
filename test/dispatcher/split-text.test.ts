import { describe, expect, it } from 'vitest';
import { splitText } from '../../src/dispatcher/split-text.ts';

describe('splitText', () => {
  it('leaves text within the limit alone', () => {
    expect(splitText('  short answer  ', 4096)).toEqual(['short answer']);
  });

  it('breaks between paragraphs before lines, sentences or words', () => {
    const text = `${'a'.repeat(60)}\n\n${'b'.repeat(30)}`;
    expect(splitText(text, 80)).toEqual(['a'.repeat(60), 'b'.repeat(30)]);
  });

  it('breaks after a sentence when there is no paragraph break in reach', () => {
    const text = 'First sentence is here. Second sentence follows it and is long.';
    expect(splitText(text, 40)).toEqual([
      'First sentence is here.',
      'Second sentence follows it and is long.',
    ]);
  });

  it('keeps every word and the order when splitting at spaces', () => {
    const words = Array.from({ length: 2_000 }, (_, index) => `word${index}`);
    const pieces = splitText(words.join(' '), 4096);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(4096);
    expect(pieces.join(' ').split(' ')).toEqual(words);
  });

  it('cuts a word longer than the limit', () => {
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('never splits an emoji into halves', () => {
    const text = `${'a'.repeat(9)}😀${'b'.repeat(5)}`;
    const pieces = splitText(text, 10);
    expect(pieces).toEqual(['a'.repeat(9), `😀${'b'.repeat(5)}`]);
  });
});
