/**
 * Makes sure the system packages the suite needs are installed: installs the missing ones
 * with apt-get when this process may (root on Debian), and otherwise names the exact command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { systemPackages } from './system-packages.ts';

/**
 * Returns when every package in `systemPackages` is present; throws with the command to run
 * when some are missing and cannot be installed from here.
 */
export function ensureSystemPackages(log: (line: string) => void): void {
  const missing = systemPackages.filter((systemPackage) => !systemPackage.present());
  if (missing.length === 0) return;
  const names = missing.map((systemPackage) => systemPackage.name);
  for (const systemPackage of missing)
    log(`missing system package ${systemPackage.name}: ${systemPackage.neededBy}`);

  const command = `apt-get update && apt-get install -y ${names.join(' ')}`;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `the test suite needs these system packages: ${names.join(', ')}. Install them, then run npm test again:\n\n` +
        `  sudo sh -c '${command}'\n`,
    );
  }
  log(`installing: ${command}`);
  const environment = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', ...names]]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: environment });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status})`);
  }
  const stillMissing = missing.filter((systemPackage) => !systemPackage.present());
  if (stillMissing.length > 0) {
    throw new Error(
      `installed, but still not usable: ${stillMissing.map((systemPackage) => systemPackage.name).join(', ')}`,
    );
  }
}
