import { Pool } from 'undici';
import type { ReplySink } from './reply-sink.ts';
import { textUpdate } from './updates.ts';

/** Where the webhooks go: one origin per gateway process, all serving the same tenant. */
export interface ReplyTarget {
  origins: string[];
  slug: string;
  secret: string;
}

/** Latency figures in milliseconds. */
export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** What one load phase saw. */
export interface PhaseResult {
  phase: string;
  /** Messages per second asked for (open loop); undefined for the closed loops. */
  offeredRate?: number;
  durationSeconds: number;
  sent: number;
  /** Replies that arrived during the phase, per second of the phase. */
  repliesPerSecond: number;
  acknowledgement: Percentiles;
  reply: Percentiles;
  /** Answers other than 200, and connection errors. */
  failures: number;
  /** Messages whose reply never came within the reply timeout. */
  missingReplies: number;
  /** Open loop: ticks with no idle chat to send from (the gateway is behind). */
  skipped: number;
  /** Longest run of whole seconds without a reply while replies were awaited. */
  longestStallSeconds: number;
  /** After the phase stopped sending, until the last awaited reply came. */
  drainSeconds: number;
}

/** Longest wait for one reply before it counts as missing. */
const REPLY_TIMEOUT_MS = 120_000;

/** Sends Telegram webhooks over keep-alive connections and times each message's acknowledgement and reply. */
export class ReplyLoad {
  private readonly pools: Pool[];
  private nextPool = 0;
  private nextMessageId = 0;

  constructor(
    private readonly target: ReplyTarget,
    private readonly sink: ReplySink,
    connections: number,
  ) {
    const perOrigin = Math.max(1, Math.ceil(connections / target.origins.length));
    this.pools = target.origins.map((origin) => new Pool(origin, { connections: perOrigin }));
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.close()));
  }

  /** One message from `chatId`: the webhook's acknowledgement and the reply, in ms from sending. */
  async exchange(chatId: number): Promise<{ ackMs?: number; replyMs?: number; failed: boolean }> {
    const reply = this.sink.replyTo(chatId);
    const started = performance.now();
    const ackMs = await this.send(chatId);
    if (ackMs === undefined) return { failed: true };
    let timer: NodeJS.Timeout | undefined;
    const arrived = await Promise.race([
      reply,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), REPLY_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    return { ackMs, replyMs: arrived === undefined ? undefined : arrived - started, failed: false };
  }

  /** Sends one message from `chatId`; the ms until its 200, or undefined when it failed. */
  async send(chatId: number): Promise<number | undefined> {
    this.nextMessageId += 1;
    const pool = this.pools[this.nextPool++ % this.pools.length]!;
    const started = performance.now();
    try {
      const response = await pool.request({
        path: `/webhook/telegram/${this.target.slug}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-telegram-bot-api-secret-token': this.target.secret,
        },
        body: textUpdate(this.nextMessageId, chatId),
      });
      await response.body.text();
      if (response.statusCode !== 200) return undefined;
    } catch {
      return undefined;
    }
    return performance.now() - started;
  }
}

/** Collects one phase's samples and its per-second reply counts. */
class PhaseRecorder {
  readonly acks: number[] = [];
  readonly replies: number[] = [];
  failures = 0;
  missing = 0;
  sent = 0;
  skipped = 0;
  private outstanding = 0;
  private readonly startedAt = performance.now();
  private stopAt = Number.POSITIVE_INFINITY;
  private repliesInPhase = 0;
  private lastReplyAt = this.startedAt;
  /** Seconds (from the start) in which a reply arrived, and those in which one was awaited. */
  private readonly secondsWithReply = new Set<number>();
  private readonly secondsAwaiting = new Set<number>();
  private readonly awaitTicker: NodeJS.Timeout;

  constructor(private readonly phase: string) {
    this.awaitTicker = setInterval(() => {
      if (this.outstanding > 0) this.secondsAwaiting.add(this.second(performance.now()));
    }, 100);
  }

  stop(): void {
    this.stopAt = performance.now();
  }

  async record(exchange: Promise<{ ackMs?: number; replyMs?: number; failed: boolean }>): Promise<void> {
    this.sent += 1;
    this.outstanding += 1;
    const sentAt = performance.now();
    const result = await exchange;
    this.outstanding -= 1;
    if (result.failed) {
      this.failures += 1;
      return;
    }
    this.acks.push(result.ackMs!);
    if (result.replyMs === undefined) {
      this.missing += 1;
      return;
    }
    this.replies.push(result.replyMs);
    const arrivedAt = sentAt + result.replyMs;
    this.lastReplyAt = Math.max(this.lastReplyAt, arrivedAt);
    this.secondsWithReply.add(this.second(arrivedAt));
    if (arrivedAt <= this.stopAt) this.repliesInPhase += 1;
  }

  result(offeredRate?: number): PhaseResult {
    clearInterval(this.awaitTicker);
    const durationSeconds = (this.stopAt - this.startedAt) / 1000;
    let longest = 0;
    let current = 0;
    const last = Math.max(...this.secondsAwaiting, 0);
    for (let second = 0; second <= last; second += 1) {
      if (this.secondsAwaiting.has(second) && !this.secondsWithReply.has(second)) current += 1;
      else current = 0;
      longest = Math.max(longest, current);
    }
    return {
      phase: this.phase,
      ...(offeredRate === undefined ? {} : { offeredRate }),
      durationSeconds,
      sent: this.sent,
      repliesPerSecond: this.repliesInPhase / durationSeconds,
      acknowledgement: percentiles(this.acks),
      reply: percentiles(this.replies),
      failures: this.failures,
      missingReplies: this.missing,
      skipped: this.skipped,
      longestStallSeconds: longest,
      drainSeconds: Math.max(0, (this.lastReplyAt - this.stopAt) / 1000),
    };
  }

  private second(at: number): number {
    return Math.floor((at - this.startedAt) / 1000);
  }
}

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((left, right) => left - right);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

/** A pool of chat ids; each is lent to one message at a time. */
export class Chats {
  private readonly idle: number[] = [];
  constructor(first: number, count: number) {
    for (let index = 0; index < count; index += 1) this.idle.push(first + index);
  }
  take(): number | undefined {
    return this.idle.shift();
  }
  give(chatId: number): void {
    this.idle.push(chatId);
  }
}

/** One message at a time, each from a chat never seen before: what a customer feels on an idle gateway. */
export async function lowLoad(load: ReplyLoad, count: number, firstChat: number): Promise<PhaseResult> {
  const recorder = new PhaseRecorder('low load: one message at a time, new customers');
  for (let index = 0; index < count; index += 1) await recorder.record(load.exchange(firstChat + index));
  recorder.stop();
  return recorder.result();
}

/**
 * Open loop: `rate` messages a second for `seconds`, each from an idle chat of `chats`
 * (a chat is busy from its message until its reply). Waits for the replies afterwards.
 * `onSecond` is called every second while it runs (memory samples).
 */
export async function openLoop(
  load: ReplyLoad,
  chats: Chats,
  rate: number,
  seconds: number,
  onSecond?: (elapsedSeconds: number) => void,
): Promise<PhaseResult> {
  const recorder = new PhaseRecorder(`open loop, ${rate} messages/s`);
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  let due = 0;
  let lastSecond = 0;
  while (performance.now() - started < seconds * 1000) {
    const elapsed = (performance.now() - started) / 1000;
    if (onSecond && Math.floor(elapsed) > lastSecond) {
      lastSecond = Math.floor(elapsed);
      onSecond(lastSecond);
    }
    const target = Math.floor(elapsed * rate);
    for (; due < target; due += 1) {
      const chatId = chats.take();
      if (chatId === undefined) {
        recorder.skipped += 1;
        continue;
      }
      const task = recorder.record(load.exchange(chatId)).finally(() => {
        chats.give(chatId);
        pending.delete(task);
      });
      pending.add(task);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  recorder.stop();
  await Promise.all(pending);
  return recorder.result(rate);
}

/** Closed loop: each of `chats` sends its next message as soon as its reply came, for `seconds`. */
export async function closedLoop(
  load: ReplyLoad,
  firstChat: number,
  chats: number,
  seconds: number,
): Promise<PhaseResult> {
  const recorder = new PhaseRecorder(`closed loop, ${chats} chats each waiting for its reply`);
  const endAt = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: chats }, async (_, index) => {
      while (performance.now() < endAt) await recorder.record(load.exchange(firstChat + index));
    }),
  );
  recorder.stop();
  return recorder.result();
}

/** What a flood saw: acknowledgements, and the replies the fake received each second. */
export interface FloodResult {
  rate: number;
  seconds: number;
  sent: number;
  failures: number;
  acknowledgement: Percentiles;
  /** Replies per second from the flood's start until the replies stopped coming. */
  repliesBySecond: number[];
}

/**
 * The scenario: `rate` webhooks a second over `chats` chats, for `seconds`, without
 * waiting for replies (chats get bursts, which the agent answers once each). Then waits until
 * no reply has come for `quietSeconds`. Replies to the chats are counted per second.
 */
export async function flood(
  load: ReplyLoad,
  sink: ReplySink,
  options: { rate: number; seconds: number; firstChat: number; chats: number; quietSeconds: number },
): Promise<FloodResult> {
  const started = performance.now();
  const acks: number[] = [];
  let failures = 0;
  let due = 0;
  const pending = new Set<Promise<void>>();
  while (performance.now() - started < options.seconds * 1000) {
    const target = Math.floor(((performance.now() - started) / 1000) * options.rate);
    for (; due < target; due += 1) {
      const task = load.send(options.firstChat + (due % options.chats)).then((ackMs) => {
        if (ackMs === undefined) failures += 1;
        else acks.push(ackMs);
        pending.delete(task);
      });
      pending.add(task);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  let last = sink.counts().replies;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, options.quietSeconds * 1000));
    const now = sink.counts().replies;
    if (now === last) break;
    last = now;
  }
  const repliesBySecond = sink.timeline(started);
  return {
    rate: options.rate,
    seconds: options.seconds,
    sent: due,
    failures,
    acknowledgement: percentiles(acks),
    repliesBySecond,
  };
}
