/** Small helpers for tests that start real servers on loopback. */
import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago: the OS picks it, the probe releases it, and the
 * caller's server binds it next. The gap is tiny; servers that cannot take port 0 need this.
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` until it returns true; rejects with its last error after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error('timed out');
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
      if (error instanceof Error && error.message === 'exited') throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw lastError;
}
