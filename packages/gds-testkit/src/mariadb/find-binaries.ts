// Locates the MariaDB server programs (mariadbd, mariadb-install-db) and the client on this machine.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * Absolute paths of the MariaDB programs found, and the server's version.
 *
 * ### Examples
 * ```ts
 * const bins: MariadbBinaries | undefined = findMariadbBinaries();
 * console.log(bins?.version, bins?.mariadbd); // '10.11.19-MariaDB-0+deb12u1' '/usr/sbin/mariadbd'
 * ```
 */
export interface MariadbBinaries {
  /** The server (`mariadbd`, or `mysqld` of a MariaDB build). */
  readonly mariadbd: string;
  /** `mariadb-install-db` (or `mysql_install_db`). */
  readonly installDb: string;
  /** The command-line client `mariadb` (or `mysql`). */
  readonly client: string;
  /** `mariadb-dump` (or `mysqldump`), when installed. */
  readonly dump?: string;
  /** The server's version as `mariadbd --version` prints it, such as '10.11.19-MariaDB-0+deb12u1'. */
  readonly version: string;
  /** Major and minor version numbers, such as [10, 11]. */
  readonly major: number;
  readonly minor: number;
}

const SERVER = ['mariadbd', 'mysqld'] as const;
const INSTALL_DB = ['mariadb-install-db', 'mysql_install_db'] as const;
const CLIENT = ['mariadb', 'mysql'] as const;
const DUMP = ['mariadb-dump', 'mysqldump'] as const;
const DEFAULT_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/usr/local/mysql/bin'];
const INSTALL_HINT = 'apt-get install -y mariadb-server mariadb-client (or set GDS_MARIADB_BIN_DIR)';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function firstIn(dirs: readonly string[], names: readonly string[]): string | undefined {
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  return undefined;
}

/** "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)" -> "10.11.19-MariaDB-0+deb12u1". */
function versionOf(server: string): string | undefined {
  try {
    const out = execFileSync(server, ['--no-defaults', '--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return /\bVer\s+(\S+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

function searchDirs(): string[] {
  const fromEnv = process.env['GDS_MARIADB_BIN_DIR'];
  if (fromEnv) return [path.resolve(fromEnv)];
  const fromPath = (process.env['PATH'] ?? '').split(path.delimiter).filter((dir) => dir !== '');
  return [...new Set([...DEFAULT_DIRS, ...fromPath])];
}

/**
 * Finds the MariaDB server, `mariadb-install-db` and the client: in `GDS_MARIADB_BIN_DIR` if set (and only
 * there), else in /usr/sbin, /usr/bin, /usr/local/... and `PATH`. A `mysqld` that is not MariaDB (Oracle
 * MySQL has no install-db script) does not count.
 *
 * ### Examples
 * ```ts
 * const bins = findMariadbBinaries();
 * if (!bins) console.warn(mariadbMissingReason());
 * ```
 */
export function findMariadbBinaries(): MariadbBinaries | undefined {
  const dirs = searchDirs();
  const mariadbd = firstIn(dirs, SERVER);
  const installDb = firstIn(dirs, INSTALL_DB);
  const client = firstIn(dirs, CLIENT);
  if (mariadbd === undefined || installDb === undefined || client === undefined) return undefined;
  const version = versionOf(mariadbd);
  if (version === undefined || !/mariadb/i.test(version)) return undefined;
  const [major = 0, minor = 0] = version.split(/[.-]/).map(Number);
  const dump = firstIn(dirs, DUMP);
  return { mariadbd, installDb, client, ...(dump === undefined ? {} : { dump }), version, major, minor };
}

/**
 * The one-line reason to show (or to skip tests with) when {@link findMariadbBinaries} finds nothing.
 *
 * ### Examples
 * ```ts
 * mariadbMissingReason();
 * // 'MariaDB server binaries not found: apt-get install -y mariadb-server mariadb-client (or set GDS_MARIADB_BIN_DIR)'
 * ```
 */
export function mariadbMissingReason(): string {
  const fromEnv = process.env['GDS_MARIADB_BIN_DIR'];
  const needs = `${SERVER.join('|')}, ${INSTALL_DB.join('|')}, ${CLIENT.join('|')}`;
  if (fromEnv) return `MariaDB server binaries not found in GDS_MARIADB_BIN_DIR=${fromEnv} (needs ${needs}, a MariaDB build)`;
  return `MariaDB server binaries not found: ${INSTALL_HINT}`;
}
