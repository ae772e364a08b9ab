/** Escapes text for a double-quoted XML attribute or element content. */
function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function attributes(values: Record<string, string | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${xml(value)}"`)
    .join('');
}

function parameters(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `<Parameter${attributes({ name, value })}/>`)
    .join('');
}

const HEADER = '<?xml version="1.0" encoding="UTF-8"?>';

/** What `<Connect>` opens: the socket's URL, where Twilio posts when it ends, and the values the socket receives. */
export interface ConnectTarget {
  socketUrl: string;
  actionUrl: string;
  parameters: Record<string, string>;
}

/**
 * `<Connect action><ConversationRelay>`: Twilio listens and speaks, our socket exchanges
 * text. Interruptible by speech and keys; key presses are reported.
 */
export function conversationRelayTwiml(
  target: ConnectTarget,
  speech: { language: string; voice: string | undefined; greeting: string | undefined },
): string {
  const relay = attributes({
    url: target.socketUrl,
    welcomeGreeting: speech.greeting,
    language: speech.language,
    voice: speech.voice,
    interruptible: 'any',
    dtmfDetection: 'true',
  });
  return `${HEADER}<Response><Connect${attributes({ action: target.actionUrl })}><ConversationRelay${relay}>${parameters(target.parameters)}</ConversationRelay></Connect></Response>`;
}

/** `<Connect action><Stream>`: a bidirectional Media Stream to our socket. */
export function mediaStreamTwiml(target: ConnectTarget): string {
  return `${HEADER}<Response><Connect${attributes({ action: target.actionUrl })}><Stream${attributes({ url: target.socketUrl })}>${parameters(target.parameters)}</Stream></Connect></Response>`;
}

/** Transfers the call to a staff number. */
export function dialTwiml(number: string): string {
  return `${HEADER}<Response><Dial>${xml(number)}</Dial></Response>`;
}

/** Ends the call. */
export function hangupTwiml(): string {
  return `${HEADER}<Response><Hangup/></Response>`;
}

/** Says a sentence and ends the call (a line that cannot answer right now). */
export function sayAndHangupTwiml(text: string, language: string): string {
  return `${HEADER}<Response><Say${attributes({ language })}>${xml(text)}</Say><Hangup/></Response>`;
}
