/** The pairing stream as a client reads it, and the QR codes Baileys emitted in a recorded login. */
import { readFileSync } from 'node:fs';

/** The QR strings of a recorded login, in the order Baileys emitted them. */
export const qrEvents = readFileSync(
  '/work/shared/fixtures/whatsapp-baileys/connection_update_qr_login.jsonl',
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { event: string; data: { qr?: string } })
  .flatMap((entry) => (entry.data.qr ? [entry.data.qr] : []));

export interface StreamedEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads server-sent events from a response body as they arrive. */
export function readEvents(response: Response): StreamedEvent[] {
  const events: StreamedEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        end = buffer.indexOf('\n\n');
      }
    }
  })();
  return events;
}
