/** How replies on a channel must look. */
export interface ChannelStyle {
  /** The channel shows markdown as literal asterisks and hashes, so it is stripped. */
  plainText: boolean;
  /** Replies longer than this are cut at a sentence; undefined for no limit. */
  maxChars: number | undefined;
  /** What the model is told about the channel. */
  promptHint: string;
}

const SHORT = 320;

/** The style of a channel; unknown channels get plain, unlimited text. */
export function channelStyle(channel: string): ChannelStyle {
  switch (channel) {
    case 'sms':
      return {
        plainText: true,
        maxChars: SHORT,
        promptHint:
          'The customer writes by SMS: answer in plain text without markdown, in at most two short sentences.',
      };
    case 'voice':
      return {
        plainText: true,
        maxChars: SHORT,
        promptHint:
          'The customer is on the phone: answer in one or two short spoken sentences, no lists, no markdown.',
      };
    case 'whatsapp':
      return {
        plainText: true,
        maxChars: undefined,
        promptHint: 'The customer writes on WhatsApp: answer in plain text without markdown, briefly.',
      };
    default:
      return {
        plainText: false,
        maxChars: undefined,
        promptHint: `The customer writes on ${channel}: answer briefly, as in a chat.`,
      };
  }
}

/** Removes markdown syntax and keeps the words: emphasis, headings, code, links, list bullets. */
export function stripMarkdown(text: string): string {
  return text
    .replace(/```[a-z]*\n?([\s\S]*?)```/gi, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g, (_, label: string, url: string) =>
      label && label !== url ? `${label} (${url})` : url,
    )
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^\s*[-*+]\s+/gm, '- ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,!?:;]|$)/g, '$1$2')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Cuts text to `max` characters, at the last sentence end that fits when there is one. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const sentenceEnd = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('! '), cut.lastIndexOf('? '));
  if (sentenceEnd > max / 3) return cut.slice(0, sentenceEnd + 1);
  return `${cut.slice(0, max - 1).trimEnd()}…`;
}

/** A reply as the channel can show it. */
export function shapeReply(text: string, channel: string): string {
  const style = channelStyle(channel);
  const plain = style.plainText ? stripMarkdown(text) : text.trim();
  return style.maxChars ? shorten(plain, style.maxChars) : plain;
}
