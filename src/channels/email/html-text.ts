import { Tokenizer } from 'htmlparser2';

/** HTML beyond this many characters is not read: a mail's message fits many times over. */
export const MAX_HTML_INPUT = 1024 * 1024;

/** Text beyond this many characters is not produced; ingest caps stored text lower still. */
export const MAX_HTML_OUTPUT = 64 * 1024;

/** Elements whose start and end break the line. */
const BLOCKS = new Set([
  'address',
  'article',
  'blockquote',
  'dd',
  'div',
  'dl',
  'dt',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'td',
  'th',
  'tr',
  'ul',
]);

/** Elements whose content is not text a reader sees. */
const HIDDEN = new Set(['head', 'noscript', 'script', 'style', 'template', 'title']);

const WHITESPACE = /\s+/;

/**
 * A readable plain-text version of an HTML body: line breaks where blocks start and end,
 * no tags, no scripts, styles or head, every HTML entity decoded, runs of whitespace
 * collapsed. For mail that arrives without a text part; it is not a renderer.
 *
 * Linear in the input on hostile HTML: htmlparser2's tokenizer reads the input once and
 * this keeps no element stack (nesting depth costs nothing), only which hidden element it
 * is inside. At most `MAX_HTML_INPUT` characters are read and `MAX_HTML_OUTPUT` produced.
 */
export function htmlToText(html: string): string {
  const input = html.length > MAX_HTML_INPUT ? html.slice(0, MAX_HTML_INPUT) : html;
  const output = new TextCollector(MAX_HTML_OUTPUT);
  let tagName = '';
  let hidden: string | undefined;
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      onopentagname(start, end) {
        tagName = input.slice(start, end).toLowerCase();
      },
      onopentagend() {
        openTag(tagName);
      },
      onselfclosingtag() {
        openTag(tagName);
      },
      onclosetag(start, end) {
        const name = input.slice(start, end).toLowerCase();
        if (hidden !== undefined) {
          if (name === hidden) hidden = undefined;
          return;
        }
        if (BLOCKS.has(name)) output.breakBlock();
      },
      ontext(start, end) {
        if (hidden === undefined) write(input.slice(start, end));
      },
      ontextentity(codepoint) {
        if (hidden === undefined) write(String.fromCodePoint(codepoint));
      },
      onattribdata() {},
      onattribentity() {},
      onattribend() {},
      onattribname() {},
      oncdata() {},
      oncomment() {},
      ondeclaration() {},
      onend() {},
      onprocessinginstruction() {},
    },
  );

  function write(text: string): void {
    output.text(text);
    // Nothing more would be kept, so the rest of the input is not read.
    if (output.full) tokenizer.pause();
  }

  function openTag(name: string): void {
    // A <body> ends a <head> that was never closed.
    if (hidden === 'head' && name === 'body') hidden = undefined;
    if (hidden !== undefined) return;
    if (HIDDEN.has(name)) hidden = name;
    else if (name === 'br') output.breakLine();
    else if (BLOCKS.has(name)) output.breakBlock();
  }

  tokenizer.write(input);
  if (!output.full) tokenizer.end();
  return output.result();
}

/**
 * Builds the text in one pass: whitespace is held back and written only before the next
 * word, so no trailing spaces or blank runs need removing afterwards (a regex doing that
 * would backtrack quadratically over a long run of spaces).
 */
class TextCollector {
  private readonly pieces: string[] = [];
  private length = 0;
  private pendingSpace = false;
  private pendingBreaks = 0;

  constructor(private readonly limit: number) {}

  /** The end of a block: one line break, however many blocks end here. */
  breakBlock(): void {
    this.pendingBreaks = Math.max(this.pendingBreaks, 1);
  }

  /** An explicit <br>: each one counts, up to one blank line. */
  breakLine(): void {
    this.pendingBreaks = Math.min(this.pendingBreaks + 1, 2);
  }

  get full(): boolean {
    return this.length >= this.limit;
  }

  text(text: string): void {
    if (this.full || text === '') return;
    if (!WHITESPACE.test(text)) {
      this.word(text);
      return;
    }
    const words = text.split(WHITESPACE);
    for (let index = 0; index < words.length; index += 1) {
      if (index > 0) this.pendingSpace = true;
      if (words[index] !== '') this.word(words[index]!);
    }
  }

  result(): string {
    return this.pieces.join('').slice(0, this.limit);
  }

  private word(word: string): void {
    if (this.length > 0) {
      if (this.pendingBreaks > 0) this.push('\n'.repeat(this.pendingBreaks));
      else if (this.pendingSpace) this.push(' ');
    }
    this.pendingBreaks = 0;
    this.pendingSpace = false;
    this.push(word);
  }

  private push(piece: string): void {
    this.pieces.push(piece);
    this.length += piece.length;
  }
}
