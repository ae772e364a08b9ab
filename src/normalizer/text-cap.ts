import type { MessagePart } from './types.ts';

/**
 * The most inbound text one message stores, in UTF-8 bytes. A person's message is far
 * shorter; what is longer (a pasted log, a mail with a novel attached as text) is kept up
 * to here and marked truncated, so nothing that reads it later (the agent, the FAQ
 * matcher, staff screens) works on megabytes.
 */
export const MAX_STORED_TEXT_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/** `text` cut to at most `maxBytes` of UTF-8, never inside a character. */
export function capText(text: string, maxBytes = MAX_STORED_TEXT_BYTES): string {
  // Three bytes per UTF-16 unit at most, so a short string needs no encoding to be sure.
  if (text.length * 3 <= maxBytes) return text;
  // encodeInto writes whole characters only and says how many units of `text` it read.
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes));
  return read < text.length ? text.slice(0, read) : text;
}

/** A message's text and parts with every text cut to the cap, and whether anything was cut. */
export function capMessageText(
  text: string | undefined,
  parts: MessagePart[],
): { text: string | undefined; parts: MessagePart[]; truncated: boolean } {
  let truncated = false;
  const cap = (value: string) => {
    const capped = capText(value);
    if (capped !== value) truncated = true;
    return capped;
  };
  const cappedText = text === undefined ? undefined : cap(text);
  const cappedParts = parts.map((part) => {
    if (part.type === 'text') return { ...part, text: cap(part.text) };
    if (part.type === 'media' && part.caption !== undefined) return { ...part, caption: cap(part.caption) };
    return part;
  });
  return { text: cappedText, parts: cappedParts, truncated };
}
