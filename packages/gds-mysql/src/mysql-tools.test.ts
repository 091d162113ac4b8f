import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret } from '@gds/database';
import { dumpArgs } from './mysql-backup.js';
import { resolveConfig } from './mysql-config.js';
import { clientArgs, renameTables } from './mysql-restore.js';
import { commandLine, parseToolVersion, writeDefaultsFile } from './mysql-tools.js';

const roots: string[] = [];
const root = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gds-mysql-tools-test-'));
  roots.push(dir);
  return dir;
};
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('the client tools', () => {
  it('reads MariaDB and MySQL version lines', () => {
    expect(parseToolVersion('mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)')).toEqual({ release: '10.11.19', flavor: 'mariadb' });
    expect(parseToolVersion('mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)')).toEqual({ release: '8.0.36', flavor: 'mysql' });
    expect(parseToolVersion('mysql  Ver 8.4.2 for Linux on x86_64 (MySQL Community Server - GPL)')).toEqual({ release: '8.4.2', flavor: 'mysql' });
  });

  it('writes the password to a 0600 option file in a 0700 folder, quoted so that any character survives, and removes it', () => {
    const password = 'a"b\\c\'d#e;f g=h';
    const config = resolveConfig({ host: '127.0.0.1', port: 3307, user: 'gds', password: new Secret(password) });
    const dir = root();
    const file = writeDefaultsFile(config, 'mariadb', dir);
    expect(file.argument).toBe(`--defaults-file=${file.path}`);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(file.path, '..')).mode & 0o777).toBe(0o700);
    const text = readFileSync(file.path, 'utf8');
    expect(text).toContain('password="a\\"b\\\\c\'d#e;f g=h"');
    expect(text).toMatch(/^\[client\]\nuser="gds"\n/);
    expect(text).toContain('port=3307');
    expect(text).toMatch(/\nskip-ssl\n/);
    const tls = writeDefaultsFile(resolveConfig({ user: 'u', ssl: 'verify-full' }), 'mariadb', dir);
    expect(readFileSync(tls.path, 'utf8')).toMatch(/\nssl\nssl-verify-server-cert\n/);
    tls.remove();
    const mysql = writeDefaultsFile(resolveConfig({ user: 'u', ssl: 'require' }), 'mysql', dir);
    expect(readFileSync(mysql.path, 'utf8')).toMatch(/\nssl-mode=REQUIRED\n/);
    expect(readFileSync(mysql.path, 'utf8')).not.toMatch(/^ssl$/m);
    mysql.remove();
    file.remove();
    expect(existsSync(file.path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a password with a line break (it cannot be written to an option file)', () => {
    const config = resolveConfig({ user: 'gds', password: 'a\nb' });
    expect(() => writeDefaultsFile(config, 'mariadb', root())).toThrow(/line break/);
  });

  it('removes the option folders of dead processes, keeps those of live ones', () => {
    const dir = root();
    mkdirSync(join(dir, 'gds-mysql-999999999-abc'));
    mkdirSync(join(dir, `gds-mysql-${process.ppid}-abc`));
    const file = writeDefaultsFile(resolveConfig({ user: 'u' }), 'mariadb', dir);
    expect(readdirSync(dir).sort()).toEqual([`gds-mysql-${process.ppid}-abc`, file.path.split('/').at(-2)].sort());
    file.remove();
  });

  it('dump arguments: the database after --, exclusions qualified, no --databases', () => {
    const args = dumpArgs('-x', { excludeTables: ['log'] }, '/b/p');
    expect(args).toEqual(['--default-character-set=utf8mb4', '--no-tablespaces', '--single-transaction', '--routines', '--triggers', '--events', '--ignore-table=-x.log', '--result-file=/b/p', '--', '-x']);
    expect(dumpArgs('app', { tables: ['a', '--b'], singleTransaction: false, routines: false, triggers: false, events: false }, undefined)).toEqual([
      '--default-character-set=utf8mb4',
      '--no-tablespaces',
      '--skip-triggers',
      '--',
      'app',
      'a',
      '--b',
    ]);
    expect(args).not.toContain('--databases');
    expect(dumpArgs('app', {}, undefined, { tool: 'mysql', server: 'mysql' }).slice(0, 3)).toEqual(['--default-character-set=utf8mb4', '--no-tablespaces', '--set-gtid-purged=OFF']);
    expect(dumpArgs('app', {}, undefined, { tool: 'mysql', server: 'mariadb' })).toContain('--column-statistics=0');
    expect(dumpArgs('app', {}, undefined, { tool: 'mariadb', server: 'mysql' }).join(' ')).not.toMatch(/gtid|column-statistics/);
  });

  it('client arguments: binary mode, no local files, the database as an option value', () => {
    expect(clientArgs('-db', true, undefined)).toEqual(['--binary-mode', '--batch', '--local-infile=0', '--default-character-set=utf8mb4', '--no-auto-rehash', '--sandbox', '--database=-db']);
    expect(clientArgs('db', false, "SET SESSION sql_mode = ''")).toContain("--init-command=SET SESSION sql_mode = ''");
  });

  it('the swap is one RENAME TABLE with every name quoted', () => {
    expect(renameTables([['app', 'gds_replaced_1', ['t', 'we`ird']], ['gds_restore_1', 'app', ['t']]]).text).toBe(
      'RENAME TABLE `app`.`t` TO `gds_replaced_1`.`t`, `app`.`we``ird` TO `gds_replaced_1`.`we``ird`, `gds_restore_1`.`t` TO `app`.`t`',
    );
  });

  it('shows command lines quoted for a shell reader', () => {
    expect(commandLine('/usr/bin/mariadb-dump', ['--result-file=/b/x y.sql', "it's"])).toBe("/usr/bin/mariadb-dump '--result-file=/b/x y.sql' 'it'\\''s'");
  });
});
