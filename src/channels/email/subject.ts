/** Reply prefixes mail clients write: English `Re`, German `Aw`, Nordic `Sv`/`Vs`, Dutch `Antw`, with `Re[2]` counts. */
const REPLY_PREFIXES = /^(?:\s*(?:re|aw|sv|vs|antw)(?:\[\d+\])?\s*:)+\s*/i;

/** What a reply is titled when the customer's mail had no subject. */
const NO_SUBJECT = '(no subject)';

/**
 * The subject of a reply: `Re: ` and the subject without its own reply prefixes, so a long
 * exchange stays `Re: Order #1042` instead of growing `Re: Re: Re:`. Line breaks are folded,
 * since a subject is one header line.
 */
export function replySubject(subject: string | undefined): string {
  const bare = (subject ?? '')
    .replace(/[\r\n]+/g, ' ')
    .replace(REPLY_PREFIXES, '')
    .trim();
  return `Re: ${bare === '' ? NO_SUBJECT : bare}`;
}
