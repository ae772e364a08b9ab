import { loadBaileys } from './baileys.ts';
import type { MediaDownloader, WhatsAppSocket } from './socket.ts';

/**
 * Baileys' own download (fetch from WhatsApp's media servers, decrypt with the message's media
 * key), stopped as soon as more than `maxBytes` arrived: a file's announced size is the
 * sender's claim, so the cap is enforced on the bytes themselves.
 */
export function baileysDownloader(socket: () => WhatsAppSocket | undefined): MediaDownloader {
  return async (message, maxBytes) => {
    const { downloadMediaMessage } = await loadBaileys();
    const current = socket() as { updateMediaMessage?: unknown } | undefined;
    const stream = await downloadMediaMessage(
      message,
      'stream',
      {},
      // Expired media links are asked for again through the socket, as Baileys recommends.
      // biome-ignore lint/suspicious/noExplicitAny: Baileys types the context with its full socket.
      current?.updateMediaMessage ? ({ reuploadRequest: current.updateMediaMessage } as any) : undefined,
    );
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        stream.destroy();
        throw new MediaTooLargeError(maxBytes);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  };
}

export class MediaTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`media larger than ${maxBytes} bytes`);
    this.name = 'MediaTooLargeError';
  }
}
