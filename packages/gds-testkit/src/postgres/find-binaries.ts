// Locates the PostgreSQL server programs (initdb, pg_ctl, postgres, pg_basebackup) on this machine.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Absolute paths of the PostgreSQL programs found in one `bin` directory.
 *
 * ### Examples
 * ```ts
 * const bins: PostgresBinaries | undefined = findPostgresBinaries();
 * console.log(bins?.major, bins?.initdb);
 * ```
 */
export interface PostgresBinaries {
  /** The directory holding the programs. */
  readonly binDir: string;
  /** The major version, such as 15 (0 when it could not be read). */
  readonly major: number;
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
  readonly pgBasebackup: string;
  readonly pgDump?: string;
  readonly pgRestore?: string;
  readonly psql?: string;
}

const REQUIRED = ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup'] as const;
const DEBIAN_ROOT = '/usr/lib/postgresql';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function majorOf(binDir: string): number {
  const fromPath = /\/postgresql\/(\d+)\/bin\/?$/.exec(binDir);
  if (fromPath?.[1] !== undefined) return Number(fromPath[1]);
  try {
    // "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
    const out = execFileSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const match = /\)\s*(\d+)/.exec(out);
    return match?.[1] === undefined ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

function binariesIn(binDir: string): PostgresBinaries | undefined {
  if (!REQUIRED.every((name) => isExecutable(path.join(binDir, name)))) return undefined;
  const optional = (name: string): string | undefined => {
    const file = path.join(binDir, name);
    return isExecutable(file) ? file : undefined;
  };
  return {
    binDir,
    major: majorOf(binDir),
    initdb: path.join(binDir, 'initdb'),
    pgCtl: path.join(binDir, 'pg_ctl'),
    postgres: path.join(binDir, 'postgres'),
    pgBasebackup: path.join(binDir, 'pg_basebackup'),
    pgDump: optional('pg_dump'),
    pgRestore: optional('pg_restore'),
    psql: optional('psql'),
  };
}

function pgConfigBinDir(): string | undefined {
  try {
    const out = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

function debianBinDirs(): string[] {
  try {
    return readdirSync(DEBIAN_ROOT)
      .filter((name) => /^\d+$/.test(name))
      .map((name) => path.join(DEBIAN_ROOT, name, 'bin'));
  } catch {
    return [];
  }
}

/**
 * Finds the newest PostgreSQL server binaries: `GDS_PG_BIN_DIR` if set (and only it), else the newest of
 * `/usr/lib/postgresql/<major>/bin` and `pg_config --bindir`.
 *
 * ### Examples
 * ```ts
 * const bins = findPostgresBinaries();
 * if (!bins) console.warn(postgresMissingReason());
 * ```
 */
export function findPostgresBinaries(): PostgresBinaries | undefined {
  const fromEnv = process.env['GDS_PG_BIN_DIR'];
  if (fromEnv) return binariesIn(path.resolve(fromEnv));
  const dirs = new Set(debianBinDirs());
  const configured = pgConfigBinDir();
  if (configured !== undefined) dirs.add(path.resolve(configured));
  let best: PostgresBinaries | undefined;
  for (const dir of dirs) {
    const found = binariesIn(dir);
    if (found && (best === undefined || found.major > best.major)) best = found;
  }
  return best;
}

/**
 * The one-line reason to show (or to skip tests with) when {@link findPostgresBinaries} finds nothing.
 *
 * ### Examples
 * ```ts
 * const reason = postgresMissingReason();
 * // "PostgreSQL server binaries not found: apt-get install -y postgresql (or set GDS_PG_BIN_DIR)"
 * ```
 */
export function postgresMissingReason(): string {
  const fromEnv = process.env['GDS_PG_BIN_DIR'];
  if (fromEnv) {
    return `PostgreSQL server binaries not found in GDS_PG_BIN_DIR=${fromEnv} (needs ${REQUIRED.join(', ')})`;
  }
  return 'PostgreSQL server binaries not found: apt-get install -y postgresql (or set GDS_PG_BIN_DIR)';
}
