/**
 * The Debian packages the test suite needs, in one list: each with the check that tells whether
 * it is usable. An issue that adds a test needing a system program adds its package here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

export interface SystemPackage {
  /** The Debian package name, as `apt-get install` takes it. */
  name: string;
  /** What needs it, for the message when it is missing. */
  neededBy: string;
  /** True when the package's programs are there. */
  present(): boolean;
}

export const systemPackages: SystemPackage[] = [
  {
    name: 'postgresql',
    neededBy: 'the suite on PostgreSQL (a private throwaway server unless DATABASE_URL is set)',
    // The client (psql) may be installed without the server: look for the server's own programs.
    present: () => postgresqlBinaries() !== undefined,
  },
  {
    name: 'dovecot-imapd',
    neededBy: 'the mail tool tests (test/support/dovecot.ts)',
    present: () => existsSync('/usr/sbin/dovecot') && existsSync('/usr/lib/dovecot/imap'),
  },
  {
    name: 'radicale',
    neededBy: 'the calendar tool tests (test/support/radicale.ts)',
    // Checked with Debian's own python3, the one the tests run Radicale with.
    present: () => spawnSync('/usr/bin/python3', ['-c', 'import radicale'], { stdio: 'ignore' }).status === 0,
  },
  {
    name: 'chromium',
    neededBy: 'the staff workspace tests in a real headless browser',
    present: () => existsSync('/usr/bin/chromium'),
  },
  {
    name: 'espeak-ng',
    neededBy: 'the voice tests (synthesized caller speech)',
    present: () => existsSync('/usr/bin/espeak-ng'),
  },
  {
    name: 'sox',
    neededBy: 'the voice tests (audio conversion)',
    present: () => existsSync('/usr/bin/sox'),
  },
];

/** The newest installed PostgreSQL server's `bin` folder (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresqlBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter(
      (entry) => existsSync(`${root}/${entry}/bin/postgres`) && existsSync(`${root}/${entry}/bin/initdb`),
    )
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : `${root}/${majors[0]}/bin`;
}
