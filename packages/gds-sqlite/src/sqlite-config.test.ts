import { describe, expect, it } from '@jest/globals';
import { resolve } from 'node:path';
import { ValidationError } from '@gds/database';
import { parseSQLiteUrl, resolveSQLiteConfig } from './sqlite-config.js';

describe('SQLite URLs and configs', () => {
  it('sqlite:///abs/dir/ is absolute; sqlite://rel/dir and sqlite:rel/dir/ are relative to the working directory', () => {
    expect(resolveSQLiteConfig('sqlite:///var/lib/app/').directory).toBe('/var/lib/app');
    expect(resolveSQLiteConfig('sqlite://relative/dir').directory).toBe(resolve('relative/dir'));
    expect(resolveSQLiteConfig('sqlite:relative/dir/').directory).toBe(resolve('relative/dir'));
    expect(resolveSQLiteConfig('SQLITE:///x').directory).toBe('/x');
  });

  it('percent-decodes the folder and reads the parameters', () => {
    expect(parseSQLiteUrl('sqlite:///data/my%20dbs?extensions=.db,.sqlite&busyTimeoutMs=250&createDirectory=true')).toEqual({
      type: 'sqlite',
      directory: '/data/my dbs',
      extensions: ['.db', '.sqlite'],
      busyTimeoutMs: 250,
      createDirectory: true,
    });
    const c = resolveSQLiteConfig('sqlite:///d');
    expect(c).toEqual({ type: 'sqlite', directory: '/d', extensions: ['.db'], busyTimeoutMs: 5000, createDirectory: false, attach: {} });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ['postgres://x', /Invalid SQLite URL/],
    ['sqlite://', /no folder given/],
    ['sqlite:///x?bogus=1', /unknown parameter 'bogus'/],
    ['sqlite:///x%zz', /percent-encoding/],
    ['sqlite:///x?busyTimeoutMs=-1', /busyTimeoutMs/],
    ['sqlite:///x?extensions=db', /extensions/],
    ['sqlite:///x?createDirectory=yes', /createDirectory/],
    ['sqlite:///x?attach=main:a', /SQLite's own schema name/],
    ['sqlite:///x?attach=a:../b', /attached database name/],
    ['sqlite:///x?attach=a:', /attach/],
  ])('refuses %j', (url, message) => {
    expect(() => resolveSQLiteConfig(url)).toThrow(ValidationError);
    expect(() => resolveSQLiteConfig(url)).toThrow(message);
  });

  it('reads attach=schema:database pairs', () => {
    expect(resolveSQLiteConfig('sqlite:///x?attach=audit:audit_db,logs:logs').attach).toEqual({ audit: 'audit_db', logs: 'logs' });
  });

  it('validates config objects (unknown keys refused)', () => {
    expect(resolveSQLiteConfig({ type: 'sqlite', directory: 'rel', extensions: ['.sqlite3'] })).toMatchObject({ directory: resolve('rel'), extensions: ['.sqlite3'] });
    expect(() => resolveSQLiteConfig({ type: 'sqlite', directory: '/x', host: 'h' } as never)).toThrow(/host/);
  });
});

describe('the driver', () => {
  it('a driver that cannot load is a ConnectionError that says how to build it', async () => {
    const { loadDriver } = await import('./sqlite-connection.js');
    const e = await loadDriver('better-sqlite3-not-installed').catch((x: unknown) => x);
    expect((e as Error).name).toBe('ConnectionError');
    expect((e as Error).message).toMatch(/could not be loaded/);
    expect((e as { hint?: string }).hint).toMatch(/allowBuilds better-sqlite3: true/);
    const real = await loadDriver().catch((x: unknown) => x);
    if (real instanceof Error && /NODE_MODULE_VERSION/.test(real.message)) {
      // the workspace's native build is for another Node (CI runs the unit tests on Node 24 too): the same readable error, not a crash
      console.log(`[skip] loading the real driver: better-sqlite3 was built for another Node.js ABI than ${process.version}'s (${process.versions.modules})`);
      expect(real.name).toBe('ConnectionError');
      return;
    }
    expect(typeof real).toBe('function');
  });
});
