import { headerValue } from './headers.ts';
import type { EmailHeader } from './schema.ts';

type Method = 'spf' | 'dkim' | 'dmarc';

/** One method's verdict and the domain it vouched for (SPF: envelope sender; DKIM: signing domain). */
interface Verdict {
  method: Method;
  result: string;
  domain: string | undefined;
}

const FAILED: Record<Method, readonly string[]> = {
  spf: ['fail', 'softfail'],
  dkim: ['fail'],
  dmarc: ['fail'],
};

/** Parenthesised comments, which may hold `;` and `=` of their own (RFC 8601 allows CFWS anywhere). */
const COMMENT = /\([^()]*\)/g;

/**
 * Whether the receiving server authenticated the sender, from the headers it added: the
 * topmost `Authentication-Results` (spf, dkim, dmarc) and the topmost `Received-SPF`
 * (Postmark adds it to every inbound email). Lower copies are ignored: anyone can write
 * those into the mail they send.
 *
 * - false when any method failed: DMARC fail, SPF fail or softfail, or DKIM fail with no
 *   passing signature;
 * - true when none failed and one passed for the From address's domain: DMARC pass, or a
 *   DKIM or SPF pass whose domain is the From domain or shares it as a parent (a pass for
 *   another domain says nothing about who wrote From);
 * - undefined when there is no result (no headers, or only none, neutral and errors).
 */
export function senderVerified(headers: EmailHeader[], fromAddress: string): boolean | undefined {
  const verdicts = [
    ...authenticationResults(headerValue(headers, 'Authentication-Results')),
    ...receivedSpf(headerValue(headers, 'Received-SPF')),
  ];
  const dkimPassed = verdicts.some((verdict) => verdict.method === 'dkim' && verdict.result === 'pass');
  const failed = verdicts.some(
    (verdict) =>
      FAILED[verdict.method].includes(verdict.result) && !(verdict.method === 'dkim' && dkimPassed),
  );
  if (failed) return false;
  const fromDomain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  const passed = verdicts.some(
    (verdict) =>
      verdict.result === 'pass' &&
      (verdict.method === 'dmarc' || (verdict.domain !== undefined && aligned(verdict.domain, fromDomain))),
  );
  return passed ? true : undefined;
}

/** DMARC's relaxed alignment, approximated without a public-suffix list: equal, or one within the other. */
function aligned(domain: string, fromDomain: string): boolean {
  return domain === fromDomain || fromDomain.endsWith(`.${domain}`) || domain.endsWith(`.${fromDomain}`);
}

/** `host; spf=pass smtp.mailfrom=a@b; dkim=pass header.d=b; dmarc=pass header.from=b` (RFC 8601). */
function authenticationResults(value: string | undefined): Verdict[] {
  if (value === undefined) return [];
  const [, ...results] = value.replace(COMMENT, ' ').split(';');
  return results.flatMap((result) => {
    const match = /^\s*(spf|dkim|dmarc)\s*=\s*([a-z]+)/i.exec(result);
    if (!match) return [];
    const method = match[1]!.toLowerCase() as Method;
    const property = method === 'dkim' ? /header\.[di]\s*=\s*(\S+)/i : /smtp\.mailfrom\s*=\s*(\S+)/i;
    return [{ method, result: match[2]!.toLowerCase(), domain: domainOf(property.exec(result)?.[1]) }];
  });
}

/** `pass (comment) receiver=…; identity=mailfrom; envelope-from="a@b"; …` (RFC 7208 section 9.1). */
function receivedSpf(value: string | undefined): Verdict[] {
  if (value === undefined) return [];
  const result = /^\s*([a-z]+)/i.exec(value)?.[1]?.toLowerCase();
  if (result === undefined) return [];
  const envelopeFrom = /envelope-from\s*=\s*"?([^";\s]+)/i.exec(value.replace(COMMENT, ' '))?.[1];
  return [{ method: 'spf', result, domain: domainOf(envelopeFrom) }];
}

/** The domain of an address or a bare domain, lowercased; undefined when empty. */
function domainOf(value: string | undefined): string | undefined {
  const domain = value
    ?.replace(/^["<]+|[">]+$/g, '')
    .split('@')
    .pop()
    ?.toLowerCase();
  return domain === undefined || domain === '' ? undefined : domain;
}
