/**
 * Real telephone audio for the voice tests: speech synthesized by `espeak-ng` and converted
 * by `sox` to raw μ-law at 8 kHz mono, the format Twilio's Media Streams carry, cut into
 * 20 ms frames of 160 bytes (the last one padded with μ-law silence).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One 20 ms frame of μ-law 8 kHz audio. */
export const FRAME_BYTES = 160;
const MU_LAW_SILENCE = 0xff;

const cache = new Map<string, Buffer[]>();

/** The spoken text as 20 ms μ-law frames. */
export function speechFrames(text: string): Buffer[] {
  const cached = cache.get(text);
  if (cached) return cached;
  const folder = mkdtempSync(join(tmpdir(), 'switchboard-speech-'));
  try {
    const wav = join(folder, 'speech.wav');
    const raw = join(folder, 'speech.ulaw');
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', wav, text]);
    execFileSync('sox', [wav, '-r', '8000', '-c', '1', '-t', 'raw', '-e', 'mu-law', '-b', '8', raw]);
    const audio = readFileSync(raw);
    const frames: Buffer[] = [];
    for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) {
      const frame = Buffer.alloc(FRAME_BYTES, MU_LAW_SILENCE);
      audio.copy(frame, 0, offset, Math.min(offset + FRAME_BYTES, audio.length));
      frames.push(frame);
    }
    cache.set(text, frames);
    return frames;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
