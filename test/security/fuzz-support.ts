/**
 * Random and malformed requests for the fuzz suites: bodies, headers, sizes and URLs that
 * no provider or client should send, from a seeded generator so a failure can be replayed.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

export type Random = () => number;

/** xorshift32: small, deterministic, and good enough to pick among choices. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

/** A seed from a text (FNV-1a), so each route's requests stay the same when routes are added. */
export function seedOf(text: string): number {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash;
}

export function pickFrom<T>(random: Random, choices: readonly T[]): T {
  return choices[Math.floor(random() * choices.length)]!;
}

const integer = (random: Random, below: number) => Math.floor(random() * below);

/** Strings that have broken parsers: empty, huge, control characters, lone surrogates, markup, numbers as text. */
export const awkwardStrings: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'null',
  'undefined',
  '-1',
  '1e309',
  'NaN',
  '0x7f',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%00%ff',
  '\ud800',
  '😀'.repeat(1000),
  'ä'.repeat(70_000),
  '<'.repeat(20_000),
  '<script>alert(1)</script>',
  "'; DROP TABLE messages; --",
  '{"a":',
  'x'.repeat(300_000),
];

const awkwardValues: readonly unknown[] = [
  ...awkwardStrings,
  0,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER + 2,
  1e308,
  true,
  false,
  null,
  [],
  {},
  [null],
  { __proto__: { polluted: true } },
];

/** A random JSON value, at most `depth` levels deep. */
export function randomJson(random: Random, depth = 3): unknown {
  const roll = random();
  if (depth <= 0 || roll < 0.5) return pickFrom(random, awkwardValues);
  if (roll < 0.75) return Array.from({ length: integer(random, 4) }, () => randomJson(random, depth - 1));
  return Object.fromEntries(
    Array.from({ length: integer(random, 5) }, () => [
      pickFrom(random, fieldNames),
      randomJson(random, depth - 1),
    ]),
  );
}

/** Field names the gateway's schemas know, so random objects reach past the first check. */
const fieldNames = [
  'slug',
  'name',
  'values',
  'bot_token',
  'server_token',
  'from_email',
  'message',
  'text',
  'update_id',
  'entry',
  'object',
  'events',
  'event',
  'properties',
  'faq',
  'question',
  'answer',
  'persona',
  'enabled',
  'MessageID',
  'From',
  'FromFull',
  'HtmlBody',
  'TextBody',
  'Headers',
  'Attachments',
  '__proto__',
  'constructor',
];

/** `template` with one field, chosen at random at any depth, replaced by an awkward value or removed. */
export function mutated(random: Random, template: unknown): unknown {
  const copy = structuredClone(template);
  const containers: Array<Record<string, unknown>> = [];
  const collect = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    containers.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) collect(child);
  };
  collect(copy);
  if (containers.length === 0) return pickFrom(random, awkwardValues);
  const target = pickFrom(random, containers);
  const keys = Object.keys(target);
  if (keys.length === 0) return copy;
  const key = pickFrom(random, keys);
  if (random() < 0.2) delete target[key];
  else target[key] = pickFrom(random, awkwardValues);
  return copy;
}

/** A body of one of many malformed kinds; `valid` are real payloads of the route, to mutate. */
export function randomBody(random: Random, valid: readonly unknown[], limitBytes: number): Buffer {
  const kind = integer(random, 12);
  switch (kind) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return Buffer.from(Array.from({ length: integer(random, 4096) }, () => integer(random, 256)));
    case 2:
      return Buffer.from('['.repeat(50_000));
    case 3:
      return Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    case 4:
      return Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    case 5:
      return Buffer.alloc(limitBytes + 1, 0x20);
    case 6:
      return Buffer.from(`a=b&__proto__=x&constructor=y&${'k='.repeat(2000)}`);
    case 7:
      return Buffer.from(`"${'\\u0000'.repeat(1000)}"`);
    default:
      return Buffer.from(
        JSON.stringify(
          valid.length > 0 && random() < 0.7 ? mutated(random, pickFrom(random, valid)) : randomJson(random),
        ),
      );
  }
}

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/jsonx',
  ';;;',
  'x'.repeat(2000),
];

/** Random headers on top of `base`: content types, encodings, request ids and junk. */
export function randomHeaders(random: Random, base: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { ...base };
  if (random() < 0.5) headers['content-type'] = pickFrom(random, contentTypes);
  if (random() < 0.1) delete headers['content-type'];
  if (random() < 0.1) headers['content-encoding'] = pickFrom(random, ['gzip', 'br', 'identity', 'x']);
  if (random() < 0.2) headers['x-request-id'] = pickFrom(random, ['ok-1', 'a b', 'x'.repeat(5000), 'é']);
  if (random() < 0.1) headers['x-junk'] = 'j'.repeat(integer(random, 8000));
  if (random() < 0.1)
    headers['x-tenant'] = pickFrom(random, awkwardStrings)
      .slice(0, 200)
      .replace(/[^\x20-\x7e]/g, '?');
  return headers;
}

/** A value for a path parameter: a real one, or something hostile, URL-encoded. */
export function randomParameter(random: Random, real: readonly string[]): string {
  if (random() < 0.5 && real.length > 0) return pickFrom(random, real);
  // A lone surrogate cannot be percent-encoded; the replacement character can.
  const value = pickFrom(random, awkwardStrings)
    .slice(0, 2000)
    .replace(/[\ud800-\udfff]/g, '\ufffd');
  return encodeURIComponent(value) || 'x';
}

/** A query string of awkward names and values. */
export function randomQuery(random: Random): string {
  if (random() < 0.4) return '';
  const names = [
    'limit',
    'cursor',
    'from',
    'to',
    'status',
    'channel',
    'hub.mode',
    'hub.challenge',
    'q',
    '__proto__',
  ];
  const pairs = Array.from({ length: 1 + integer(random, 4) }, (): [string, string] => [
    pickFrom(random, names),
    pickFrom(random, awkwardStrings).slice(0, 500),
  ]);
  return `?${new URLSearchParams(pairs).toString()}`;
}

/** `/a/:b/c` with each parameter filled by `fill(name)`. */
export function fillPath(path: string, fill: (name: string) => string): string {
  return path.replace(/:(\w+)/g, (_match, name: string) => fill(name));
}

/** The longest any one fuzzed request may take; far above normal, far below anything stuck. */
export const MAX_REQUEST_MS = 5_000;

/**
 * Sends `request` and checks what every answer must be: not a 5xx, in time, and for an
 * error the catalogue's `{error, message}` shape. Returns the response for further checks.
 */
export async function sendAndCheck(
  app: FastifyInstance,
  request: InjectOptions,
  seen: { slowestMs: number; statuses: Map<number, number> },
): Promise<LightMyRequestResponse> {
  const started = performance.now();
  const response = await app.inject(request);
  const elapsed = performance.now() - started;
  seen.slowestMs = Math.max(seen.slowestMs, elapsed);
  seen.statuses.set(response.statusCode, (seen.statuses.get(response.statusCode) ?? 0) + 1);
  const described = `${request.method} ${String(request.url).slice(0, 200)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
  expect(response.statusCode, described).toBeLessThan(500);
  expect(elapsed, described).toBeLessThan(MAX_REQUEST_MS);
  if (response.statusCode >= 400 && request.method !== 'HEAD') {
    const body = response.json<{ error?: unknown; message?: unknown }>();
    expect(typeof body.error, described).toBe('string');
    expect(typeof body.message, described).toBe('string');
  }
  return response;
}

/** Nothing a request sent may have reached Object.prototype. */
export function expectNoPrototypePollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
}
