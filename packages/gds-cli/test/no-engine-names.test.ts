/**
 * Issue #16's rule: no source file of the core, the CLI or scripts/ names an engine package.
 * The engines are read from their definitions and package.json `gds.engine` fields instead, so
 * a new engine touches only its own package. Every file of packages/gds-database/src,
 * packages/gds-cli/src and scripts/ counts, comments and unit tests included (an example may
 * use an invented package such as `gds-duckdb`). Integration tests (packages/*\/test) drive the
 * real engines and are not covered.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const root = join(__dirname, '..', '..', '..');
const SCANNED = ['packages/gds-database/src', 'packages/gds-cli/src', 'scripts'];

/** The engine packages of this repository: every packages/* whose package.json declares `gds.engine`. */
function enginePackages(): string[] {
  return readdirSync(join(root, 'packages'))
    .map((d) => {
      try {
        return JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) as { name: string; gds?: { engine?: unknown } };
      } catch {
        return undefined;
      }
    })
    .filter((p): p is { name: string; gds: { engine: unknown } } => p?.gds?.engine !== undefined)
    .map((p) => p.name);
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(path).isDirectory() ? files(path) : /\.(m?[jt]s|cjs|sh)$/.test(name) ? [path] : [];
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Every `file:line: text` in `dirs` that names one of `names` or any `@gds/<engine>` of the four. */
function engineNameHits(dirs: readonly string[], names: readonly string[]): string[] {
  const pattern = new RegExp(`(${['@gds/(?:postgres|mssql|mongodb|snowflake)(?![\\w-])', ...names.map((n) => `${escape(n)}(?![\\w-])`)].join('|')})`);
  return dirs.flatMap((dir) =>
    files(join(root, dir)).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (pattern.test(line) ? [`${relative(root, file)}:${i + 1}: ${line.trim()}`] : [])),
    ),
  );
}

describe('no source file of the core, the CLI or scripts/ names an engine package (#16)', () => {
  it('finds the engine packages from packages/*/package.json (the check is not vacuous)', () => {
    expect(enginePackages().length).toBeGreaterThanOrEqual(4);
  });

  it('the scan finds a name where there is one', () => {
    // the engines' own sources name their package (their definition's packageName)
    const hits = engineNameHits(['packages/gds-postgres/src'], enginePackages());
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]).toMatch(/^packages\/gds-postgres\/src\/[\w.-]+:\d+: /);
  });

  it(`${SCANNED.join(', ')}: no engine package named`, () => {
    expect(engineNameHits(SCANNED, enginePackages())).toEqual([]);
  });
});
