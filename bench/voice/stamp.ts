/**
 * The timing stamp each bench audio frame carries in its first 24 bytes, which the bridge
 * forwards untouched: the call, the frame's sequence number, when the caller sent it and
 * when the model sent it back. Times are `process.hrtime` (CLOCK_MONOTONIC, one clock for
 * every process on the machine), so the callers, the model and the gateway can each run in
 * a process of their own. 24 bytes are 32 base64 characters exactly, so a stamp is read and
 * rewritten without decoding the rest of the payload.
 */
export const FRAME_BYTES = 160;
export const FRAME_MS = 20;
const STAMP_BYTES = 24;
export const STAMP_CHARS = 32;

const stamp = Buffer.alloc(STAMP_BYTES);

/** The base64 of the frame's bytes after the stamp: μ-law silence, the same for every frame. */
export const FRAME_REST = Buffer.alloc(FRAME_BYTES - STAMP_BYTES, 0xff).toString('base64');

export function now(): bigint {
  return process.hrtime.bigint();
}

export function milliseconds(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

/** A caller's stamp: call, sequence and the time it is sent. */
export function callerStamp(call: number, sequence: number): string {
  stamp.writeUInt32BE(call, 0);
  stamp.writeUInt32BE(sequence, 4);
  stamp.writeBigUInt64BE(now(), 8);
  stamp.writeBigUInt64BE(0n, 16);
  return stamp.toString('base64');
}

/** Reads a stamp; `base64` may be the whole payload. */
export function readStamp(base64: string): { callerAt: bigint; modelAt: bigint } {
  const bytes = Buffer.from(base64.slice(0, STAMP_CHARS), 'base64');
  return { callerAt: bytes.readBigUInt64BE(8), modelAt: bytes.readBigUInt64BE(16) };
}

/** The same stamp with the time the model sends the frame back. */
export function modelStamp(base64: string): string {
  const bytes = Buffer.from(base64.slice(0, STAMP_CHARS), 'base64');
  bytes.writeBigUInt64BE(now(), 16);
  return bytes.toString('base64');
}

/** The p-th share (0..1) of `values`, nearest rank. */
export function percentile(values: number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}
