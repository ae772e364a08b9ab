import { describe, expect, it } from 'vitest';
import { verifyMetaSignature } from '../../../src/channels/meta/signature.ts';
import { instagramFixtures } from '../instagram/fixtures.ts';
import { messengerFixtures } from '../messenger/fixtures.ts';
import { whatsappFixtures } from '../whatsapp/fixtures.ts';
import { metaRequest, signatureFor } from './support.ts';

const folders = { whatsapp: whatsappFixtures, messenger: messengerFixtures, instagram: instagramFixtures };

type Example = {
  appSecret: string;
  files: Array<{ file: string; 'X-Hub-Signature-256': string }>;
  smallWorkedExample?: { body: string; expectedHeader: string; tamperedBody: string };
};

const recorded = Object.entries(folders).flatMap(([channel, fixtures]) => {
  const example = fixtures.json<Example>('signature_example');
  return example.files.map((file) => ({
    channel,
    name: file.file.split('/')[1]!.replace(/\.json$/, ''),
    signature: file['X-Hub-Signature-256'],
    appSecret: example.appSecret,
    fixtures,
  }));
});

describe('X-Hub-Signature-256', () => {
  it.each(recorded.map((entry) => [`${entry.channel}/${entry.name}`, entry] as const))(
    'accepts the signature Meta sent with %s',
    (_name, entry) => {
      expect(
        verifyMetaSignature(entry.fixtures.request(entry.name, entry.signature), entry.appSecret),
      ).toEqual({
        ok: true,
      });
    },
  );

  it("matches Meta's small worked example and refuses its tampered body", () => {
    const example = folders.whatsapp.json<Example>('signature_example');
    const worked = example.smallWorkedExample!;
    const header = { 'x-hub-signature-256': worked.expectedHeader };
    expect(verifyMetaSignature(metaRequest(worked.body, header), example.appSecret)).toEqual({ ok: true });
    expect(verifyMetaSignature(metaRequest(worked.tamperedBody, header), example.appSecret)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not match'),
    });
  });

  it('checks the bytes as received: the same JSON re-serialised no longer matches', () => {
    const { raw, recordedSignature } = folders.whatsapp;
    const reserialised = JSON.stringify(JSON.parse(raw('image')));
    // Meta escapes "/" as "\/"; re-serialising drops that, so a verifier on parsed JSON would fail real traffic.
    expect(reserialised).not.toBe(raw('image'));
    const result = verifyMetaSignature(
      metaRequest(reserialised, { 'x-hub-signature-256': recordedSignature('image') }),
      'fake_meta_app_secret_0123456789ab',
    );
    expect(result.ok).toBe(false);
  });

  it("refuses another body's valid signature (a replayed header)", () => {
    const { request, recordedSignature } = folders.whatsapp;
    const result = verifyMetaSignature(
      request('text', recordedSignature('image')),
      'fake_meta_app_secret_0123456789ab',
    );
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('does not match') });
  });

  it('refuses a signature made with another app secret, such as one rotated out', () => {
    const body = folders.messenger.raw('text');
    const signature = signatureFor(body, 'an_old_app_secret_0000000000000');
    expect(
      verifyMetaSignature(
        metaRequest(body, { 'x-hub-signature-256': signature }),
        'fake_meta_app_secret_0123456789ab',
      ).ok,
    ).toBe(false);
  });

  it('accepts the digest in uppercase hex', () => {
    const body = folders.messenger.raw('text');
    const upper = signatureFor(body, 'secret').replace(/[0-9a-f]{64}$/, (hex) => hex.toUpperCase());
    expect(verifyMetaSignature(metaRequest(body, { 'x-hub-signature-256': upper }), 'secret')).toEqual({
      ok: true,
    });
  });

  it.each([
    ['is missing', {}, 'missing'],
    ['is empty', { 'x-hub-signature-256': '' }, 'missing'],
    ['is sent twice', { 'x-hub-signature-256': ['sha256=00', 'sha256=00'] }, 'more than once'],
    ['uses the old sha1 form', { 'x-hub-signature-256': `sha1=${'0'.repeat(40)}` }, 'not "sha256="'],
    ['is cut short', { 'x-hub-signature-256': `sha256=${'0'.repeat(63)}` }, 'not "sha256="'],
    ['is not hex', { 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` }, 'not "sha256="'],
  ])('refuses a request whose header %s', (_name, headers, reason) => {
    const result = verifyMetaSignature(metaRequest('{}', headers), 'secret');
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining(reason) });
  });

  it.each([
    ['no app secret', undefined],
    ['an empty app secret', ''],
  ])('accepts nothing when the configuration has %s, not even a correctly signed body', (_name, secret) => {
    const body = '{"object":"page","entry":[]}';
    for (const signature of [signatureFor(body, ''), signatureFor(body, 'secret')]) {
      const result = verifyMetaSignature(metaRequest(body, { 'x-hub-signature-256': signature }), secret);
      expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('no app secret') });
    }
  });
});
