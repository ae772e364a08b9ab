/**
 * Browser tests' harness: the web UI built once per source version, a gateway listening on
 * loopback that serves it, and Debian's Chromium driven by playwright-core (no download).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const webFolder = fileURLToPath(new URL('../../web', import.meta.url));
export const screenshotFolder = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.parentPath.includes(`${path.sep}dist`))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Builds `web/` into a temporary folder named by a hash of its sources, reused while they are unchanged. */
export async function buildWebUi(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await sourceFiles(webFolder)) hash.update(file).update(await readFile(file));
  const outDir = path.join(tmpdir(), `switchboard-web-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(path.join(outDir, 'index.html'))) {
    await build({
      configFile: path.join(webFolder, 'vite.config.ts'),
      logLevel: 'error',
      build: { outDir, emptyOutDir: true },
    });
  }
  return outDir;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Runs axe-core in the page; fails on any serious or critical violation, naming them. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(): Promise<{ violations: Array<Record<string, unknown>> }> } }
    ).axe;
    const result = await axe.run();
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => {
        const targets = (violation.nodes as Array<{ target: unknown }>).map((node) => node.target);
        return `${String(violation.id)}: ${String(violation.help)} at ${JSON.stringify(targets)}`;
      });
  });
  expect(violations, `accessibility of ${what}`).toEqual([]);
}
