import {
  type FakeTelegram,
  type FakeTelegramCall,
  startFakeTelegram,
} from '../../test/fakes/telegram-api.ts';

/**
 * The Bot API fake in the bench's own process, so that a reply's arrival is timed on the
 * same clock as the webhook that caused it. Each chat has at most one message waiting for
 * its reply: the bench sends the next one only after the reply came, as a customer would
 * (two quick messages are one burst, answered once).
 */
export interface ReplySink {
  apiRoot: string;
  /** The secret the gateway registered with setWebhook. */
  secret(): string;
  /** Resolves with `performance.now()` when the next reply to `chatId` reaches the fake. */
  replyTo(chatId: number): Promise<number>;
  /** Replies received so far, and those to a chat nothing was waiting on (0 unless a phase floods). */
  counts(): { replies: number; unexpected: number };
  /** Replies received in each whole second since `performance.now()` was `since`. */
  timeline(since: number): number[];
  /** Stops waiting on every chat (their promises never settle) and stops the fake. */
  close(): Promise<void>;
}

export async function startReplySink(): Promise<ReplySink> {
  const telegram: FakeTelegram = await startFakeTelegram();
  const waiting = new Map<string, (at: number) => void>();
  let replies = 0;
  let unexpected = 0;
  let secret = '';
  const arrivals: number[] = [];
  // The fake records each call before it answers; its `calls` array is the one place the
  // bench can see a call arrive without a change to the fake. Only what the bench needs is
  // kept, so a long run does not grow this process's memory.
  const calls = telegram.calls;
  calls.push = (...received: FakeTelegramCall[]): number => {
    const at = performance.now();
    for (const call of received) {
      if (call.method === 'setWebhook') secret = String(call.body.secret_token);
      if (call.method !== 'sendMessage') continue;
      replies += 1;
      arrivals.push(at);
      const chatKey = String(call.body.chat_id);
      const resolve = waiting.get(chatKey);
      if (!resolve) {
        unexpected += 1;
        continue;
      }
      waiting.delete(chatKey);
      resolve(at);
    }
    return 0;
  };
  return {
    apiRoot: telegram.apiRoot,
    secret: () => secret,
    replyTo(chatId) {
      return new Promise<number>((resolve) => waiting.set(String(chatId), resolve));
    },
    counts: () => ({ replies, unexpected }),
    timeline(since) {
      const seconds: number[] = [];
      for (const at of arrivals) {
        if (at < since) continue;
        const second = Math.floor((at - since) / 1000);
        while (seconds.length <= second) seconds.push(0);
        seconds[second]! += 1;
      }
      return seconds;
    },
    async close() {
      waiting.clear();
      await telegram.close();
    },
  };
}
