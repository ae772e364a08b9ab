import type { ConnectorValues } from '../../core/connector.ts';
import { advancedOptOutEnabled, helpText } from './config.ts';

/** What an inbound text asks for under the SMS opt-out rules. */
export type KeywordKind = 'opt-out' | 'opt-in' | 'help';

/** Twilio's standard English keywords (the same lists carriers use for long codes and toll-free). */
const keywordKinds = new Map<string, KeywordKind>([
  ...['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'].map(
    (word) => [word, 'opt-out'] as const,
  ),
  ...['START', 'YES', 'UNSTOP'].map((word) => [word, 'opt-in'] as const),
  ...['HELP', 'INFO'].map((word) => [word, 'help'] as const),
]);

/** Advanced Opt-Out reports which kind of keyword it matched, custom ones included. */
const optOutTypes: Record<string, KeywordKind> = { STOP: 'opt-out', START: 'opt-in', HELP: 'help' };

/**
 * The keyword a message consists of, or undefined for ordinary text. Only the keyword alone
 * counts ("stop" and " STOP " do; "stop it" does not), as with Twilio and the carriers.
 */
export function keywordOf(text: string | null | undefined): KeywordKind | undefined {
  if (text === null || text === undefined) return undefined;
  return keywordKinds.get(text.trim().toUpperCase());
}

/**
 * The keyword kind of an inbound message. Twilio's `OptOutType` (sent when Advanced Opt-Out
 * matched a keyword, possibly a custom one such as "ARRET") is trusted over our own list.
 */
export function inboundKeyword(body: string, optOutType: string | undefined): KeywordKind | undefined {
  if (optOutType !== undefined && optOutType !== '') return optOutTypes[optOutType.toUpperCase()];
  return keywordOf(body);
}

/**
 * The reply the SMS rules prescribe for an inbound text: HELP and INFO get the tenant's help
 * text, unless Twilio Advanced Opt-Out answers them already (then `null`: no reply at all).
 * Opt-out and opt-in keywords get no reply from us either: Twilio confirms them itself, and
 * an agent's answer to the bare word would only be noise. Undefined lets the agent answer.
 */
export function smsAutomaticReply(
  inbound: { text: string | null },
  config: ConnectorValues,
): string | null | undefined {
  const keyword = keywordOf(inbound.text);
  if (keyword === undefined) return undefined;
  if (keyword === 'help' && !advancedOptOutEnabled(config)) return helpText(config);
  return null;
}
