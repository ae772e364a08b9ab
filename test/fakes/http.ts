/** Small HTTP pieces every loopback fake shares. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The whole request body as text. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Answers with JSON, unless the client already gave up (a timeout while the answer was held back). */
export function writeJson(
  response: ServerResponse,
  answer: { status: number; body: unknown; headers?: Record<string, string> },
): void {
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  response.end(JSON.stringify(answer.body));
}
