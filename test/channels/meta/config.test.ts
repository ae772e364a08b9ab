import { describe, expect, it } from 'vitest';
import {
  inboundProblem,
  prepareMetaConfig,
  readAccessToken,
  readGraphId,
} from '../../../src/channels/meta/config.ts';

const fields = { ids: ['page_id'], secrets: ['page_access_token'] };
const valid = { page_id: '1000000000000001', page_access_token: 'EAAtoken', app_secret: 'secret' };

describe('Meta connector values', () => {
  it('generates a verify token when none is given, and keeps one that is', () => {
    const generated = prepareMetaConfig(valid, fields).verify_token;
    expect(generated).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(prepareMetaConfig(valid, fields).verify_token).not.toBe(generated);
    expect(prepareMetaConfig({ ...valid, verify_token: 'my-token' }, fields).verify_token).toBe('my-token');
  });

  it.each([
    ['an id that is not a number', { page_id: '../me' }, 'page_id'],
    ['a token with a line break', { page_access_token: 'EAA\nx' }, 'page_access_token'],
    ['an app secret with a space', { app_secret: 'abc def' }, 'app_secret'],
    ['a verify token with a space', { verify_token: 'my token' }, 'verify_token'],
  ])('refuses %s, naming the field', (_name, change, field) => {
    expect(() => prepareMetaConfig({ ...valid, ...change }, fields)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', message: expect.stringContaining(field) }),
    );
  });

  it('reads ids and tokens only in a shape that is safe in a URL path and a header', () => {
    expect(readGraphId(valid, 'page_id')).toBe('1000000000000001');
    expect(readAccessToken(valid, 'page_access_token')).toBe('EAAtoken');
    expect(() => readGraphId({}, 'page_id')).toThrow('page_id is not set');
    expect(() => readGraphId({ page_id: '1/../2' }, 'page_id')).toThrow('numeric id');
    expect(() => readAccessToken({ page_access_token: 'a b' }, 'page_access_token')).toThrow(
      'without spaces',
    );
  });

  it('says why nothing can be received while the app secret or verify token is missing', () => {
    expect(inboundProblem({ ...valid, verify_token: 'v' })).toBeUndefined();
    expect(inboundProblem({ verify_token: 'v' })).toMatch(
      /^app_secret is not set, so every webhook from Meta is refused/,
    );
    expect(inboundProblem({ app_secret: 's' })).toMatch(/^verify_token is not set/);
  });
});
