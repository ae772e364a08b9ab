import { describe, expect, it } from 'vitest';
import { mediaTypeOf } from '../../src/channels/media-type.ts';
import { describeCauses, parseRetryAfter, scrubSecrets } from '../../src/channels/provider-errors.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('the one Retry-After parser', () => {
  it.each([
    ['7', 7_000],
    [' 0 ', 0],
    ['Tue, 01 Dec 2026 12:00:30 GMT', 30_000],
    ['Tue, 01 Dec 2026 11:59:00 GMT', 0],
  ])('reads %j as %i ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });

  it.each([['1.5'], ['-3'], ['+3'], ['soon'], [''], [null], [undefined], [7]])(
    'ignores %j, which RFC 9110 does not allow',
    (header) => {
      expect(parseRetryAfter(header, NOW)).toBeUndefined();
    },
  );
});

describe('the one secret scrubber', () => {
  it('replaces every occurrence of every secret and skips missing ones', () => {
    expect(scrubSecrets('token abc, again abc; key xyz', ['abc', undefined, '', 'xyz'])).toBe(
      'token <secret>, again <secret>; key <secret>',
    );
    expect(scrubSecrets('/bot123:ABC/send', ['123:ABC'], '<bot-token>')).toBe('/bot<bot-token>/send');
  });
});

describe('describeCauses', () => {
  it('joins the messages of an error and its causes, each once', () => {
    const socket = new Error('connect ECONNREFUSED 127.0.0.1:9');
    const wrapped = new TypeError('fetch failed', { cause: new Error('fetch failed', { cause: socket }) });
    expect(describeCauses(wrapped)).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:9');
    expect(describeCauses(undefined)).toBe('unknown error');
  });
});

describe('mediaTypeOf', () => {
  it.each([
    ['image/png', 'image'],
    ['audio/ogg', 'audio'],
    ['video/mp4', 'video'],
    ['application/pdf', 'document'],
    [undefined, 'document'],
  ])('%s is %s', (mimeType, expected) => {
    expect(mediaTypeOf(mimeType)).toBe(expected);
  });
});
