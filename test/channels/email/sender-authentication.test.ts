import { describe, expect, it } from 'vitest';
import { senderVerified } from '../../../src/channels/email/sender-authentication.ts';
import { loadFixture } from './fixtures.ts';

const FROM = 'ada@example.net';
const header = (Name: string, Value: string) => ({ Name, Value });
const results = (value: string) => [header('Authentication-Results', `mx.inbound.postmarkapp.com; ${value}`)];

describe('email sender authentication (SPF, DKIM, DMARC)', () => {
  it('reads the recorded Postmark Received-SPF pass for the From domain as verified', () => {
    const headers = loadFixture('inbound_plain').Headers as Array<{ Name: string; Value: string }>;
    expect(senderVerified(headers, FROM)).toBe(true);
  });

  it('is unknown (undefined) without any result, or with only none, neutral and temporary errors', () => {
    expect(senderVerified([], FROM)).toBeUndefined();
    expect(senderVerified(results('spf=none; dkim=none; dmarc=none'), FROM)).toBeUndefined();
    expect(senderVerified([header('Received-SPF', 'neutral (no policy)')], FROM)).toBeUndefined();
    expect(senderVerified(results('dkim=temperror header.d=example.net'), FROM)).toBeUndefined();
  });

  it.each([
    ['DMARC fail', results('spf=pass smtp.mailfrom=example.net; dmarc=fail header.from=example.net')],
    ['SPF fail', results('spf=fail smtp.mailfrom=ada@example.net')],
    [
      'SPF softfail in Received-SPF',
      [header('Received-SPF', 'softfail (example.net: transitioning) envelope-from="ada@example.net"')],
    ],
    ['DKIM fail without a passing signature', results('dkim=fail (bad signature) header.d=example.net')],
  ])('is unverified (false) on %s', (_name, headers) => {
    expect(senderVerified(headers, FROM)).toBe(false);
  });

  it('lets one passing DKIM signature outweigh another that failed', () => {
    const headers = results('dkim=fail header.d=example.net; dkim=pass header.d=example.net');
    expect(senderVerified(headers, FROM)).toBe(true);
  });

  it('counts DKIM and SPF passes only for the From domain (or a parent or child of it); DMARC pass always', () => {
    expect(senderVerified(results('dkim=pass header.d=mallory.example'), FROM)).toBeUndefined();
    expect(senderVerified(results('spf=pass smtp.mailfrom=x@mallory.example'), FROM)).toBeUndefined();
    expect(senderVerified(results('dkim=pass header.i=@mail.example.net'), FROM)).toBe(true);
    expect(senderVerified(results('dmarc=pass (p=reject) header.from=example.net'), FROM)).toBe(true);
  });

  it('reads only the topmost header of each kind: a sender cannot add a pass below the receiver’s fail', () => {
    const headers = [
      header('Authentication-Results', 'mx.inbound.postmarkapp.com; dmarc=fail header.from=example.net'),
      header('Authentication-Results', 'forged.example; dmarc=pass header.from=example.net'),
    ];
    expect(senderVerified(headers, FROM)).toBe(false);
  });

  it('ignores semicolons and equals signs inside comments', () => {
    const headers = results('spf=pass (sender; ok=yes dmarc=fail) smtp.mailfrom=ada@example.net');
    expect(senderVerified(headers, FROM)).toBe(true);
  });
});
