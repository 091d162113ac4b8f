import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { discoverEngines, entryOf, importEngine, loadEngineFor, workspacePackageDirs } from './engine-loader.js';
import { UsageError } from './usage-error.js';

/** A folder tree of fake packages: engines are known only by their package.json `gds.engine` (CommonJS entries: jest runs CommonJS). */
const root = realpathSync(mkdtempSync(join(tmpdir(), 'gds-cli-discovery-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function pkg(dir: string, manifest: Record<string, unknown>, files: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
const engine = (type: string, cliName: string, schemes: string[]) => ({ gds: { engine: { type, displayName: type.toUpperCase(), cliName, schemes } } });

const project = join(root, 'project');
const app = join(project, 'apps', 'web');
pkg(join(project, 'node_modules', '@gds', 'alpha'), { name: '@gds/alpha', exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } }, ...engine('alpha', 'alpha', ['alpha', 'ALPHA+srv']) }, { 'dist/index.js': 'exports.loadedFrom = "project";\n' });
pkg(join(project, 'node_modules', 'beta-engine'), { name: 'beta-engine', main: 'main.js', ...engine('beta', 'beta', ['beta']) }, { 'main.js': 'export const beta = 1;\n' });
pkg(join(project, 'node_modules', '@gds', 'database'), { name: '@gds/database' });
pkg(join(project, 'node_modules', 'commander'), { name: 'commander' });
pkg(join(project, 'node_modules', '@other', 'gamma'), { name: '@other/gamma', ...engine('gamma', 'gamma', ['gamma']) }); // another scope: not looked at
pkg(join(project, 'node_modules', 'broken'), { name: 'broken', gds: { engine: { type: 'broken' } } }); // no cliName/schemes: ignored
mkdirSync(join(project, 'node_modules', '.pnpm'), { recursive: true });
writeFileSync(join(project, 'node_modules', 'not-json'), 'x');
// a nearer copy of alpha in the app: it wins over the project's
pkg(join(app, 'node_modules', '@gds', 'alpha'), { name: '@gds/alpha', ...engine('alpha', 'alpha', ['alpha']) }, { 'index.js': 'exports.loadedFrom = "app";\n' });
// a CLI installed elsewhere (a global prefix) with one engine beside it
const globalCli = join(root, 'prefix', 'lib', 'node_modules', '@gds', 'cli', 'dist');
mkdirSync(globalCli, { recursive: true });
pkg(join(root, 'prefix', 'lib', 'node_modules', '@gds', 'delta'), { name: '@gds/delta', type: 'module', ...engine('delta', 'delta', ['delta']) }, { 'index.js': 'export const delta = true;\n' });

describe('discoverEngines: engine packages found by their package.json gds.engine field', () => {
  it('finds @gds/* and unscoped packages upwards from each start, nearest copy first, sorted by package name', () => {
    const found = discoverEngines([join(app, 'src'), globalCli]);
    expect(found.map((e) => [e.packageName, e.type, e.cliName, e.schemes])).toEqual([
      ['@gds/alpha', 'alpha', 'alpha', ['alpha']],
      ['@gds/delta', 'delta', 'delta', ['delta']],
      ['beta-engine', 'beta', 'beta', ['beta']],
    ]);
    expect(found[0]?.dir).toBe(join(app, 'node_modules', '@gds', 'alpha'));
  });

  it('lower-cases schemes and ignores other scopes, malformed declarations and non-packages', () => {
    const found = discoverEngines([project]);
    expect(found.map((e) => e.type)).toEqual(['alpha', 'beta']);
    expect(found[0]?.schemes).toEqual(['alpha', 'alpha+srv']);
  });

  it('reads the ESM entry from exports, else main, else index.js', () => {
    expect(entryOf(join(project, 'node_modules', '@gds', 'alpha'))).toBe(join(project, 'node_modules', '@gds', 'alpha', 'dist', 'index.js'));
    expect(entryOf(join(project, 'node_modules', 'beta-engine'))).toBe(join(project, 'node_modules', 'beta-engine', 'main.js'));
    expect(entryOf(join(app, 'node_modules', '@gds', 'alpha'))).toBe(join(app, 'node_modules', '@gds', 'alpha', 'index.js'));
  });
});

describe('loadEngineFor: imports only the engine of the URL scheme', () => {
  const engines = discoverEngines([join(app, 'src'), globalCli]);

  it('imports the one package whose schemes include the scheme (its entry file), nothing else', async () => {
    const imported: string[] = [];
    const r = await loadEngineFor('DELTA://u@h/db', engines, async (s) => (imported.push(s), { ok: true }));
    expect(imported).toEqual([pathToFileURL(join(root, 'prefix', 'lib', 'node_modules', '@gds', 'delta', 'index.js')).href]);
    expect(r).toMatchObject({ engine: 'delta', packageName: '@gds/delta', installed: { cliName: 'delta' } });
  });

  it('really imports the nearest copy', async () => {
    const r = await loadEngineFor('alpha://u@h/db', engines);
    expect(r.module.loadedFrom).toBe('app');
    expect((await importEngine(discoverEngines([project])[0]!)).loadedFrom).toBe('project');
  });

  it('an unknown scheme: a UsageError listing the installed schemes and saying to install the engine package for it', async () => {
    const never = async (): Promise<never> => {
      throw new Error('must not import');
    };
    await expect(loadEngineFor('mysql://u@h/db', engines, never)).rejects.toThrow(
      'no installed gds engine handles mysql:// URLs (installed: alpha://, delta://, beta://): install the gds engine package for mysql:// (npm install <package>)',
    );
    await expect(loadEngineFor('mysql://u@h/db', [], never)).rejects.toThrow('(installed: none)');
    await expect(loadEngineFor('not a url', engines, never)).rejects.toThrow(UsageError);
    await expect(loadEngineFor('not a url', engines, never)).rejects.toThrow('the target is not a URL: expected scheme://user@host/database (alpha://, delta://, beta://)');
  });

  it('a package that fails to load is that error, not a usage error', async () => {
    const broken = async (): Promise<never> => {
      throw new Error('boom');
    };
    await expect(loadEngineFor('beta://h/db', engines, broken)).rejects.toThrow('boom');
  });
});

describe('discoverEngines: the engine packages of a pnpm workspace (a monorepo holding a new engine)', () => {
  const ws = join(root, 'monorepo');
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(ws, 'pnpm-workspace.yaml'), "packages:\n  - packages/*\n  - 'tools/one'\n  - '!packages/ignored'\n\nallowBuilds:\n  x: true\n");
  pkg(join(ws, 'packages', 'epsilon'), { name: 'epsilon-engine', ...engine('epsilon', 'eps', ['eps']) }, { 'index.js': 'exports.e = 1;\n' });
  pkg(join(ws, 'packages', 'lib'), { name: 'a-library' });
  pkg(join(ws, 'tools', 'one'), { name: 'zeta-engine', ...engine('zeta', 'zeta', ['zeta']) });
  pkg(join(ws, 'node_modules', 'epsilon-engine'), { name: 'epsilon-engine', ...engine('epsilon', 'eps', ['eps', 'installed']) });

  it("reads pnpm-workspace.yaml's packages (folder/* and plain folders), after installed copies", () => {
    expect(workspacePackageDirs(ws).sort()).toEqual([join(ws, 'packages', 'epsilon'), join(ws, 'packages', 'lib'), join(ws, 'tools', 'one')]);
    const found = discoverEngines([join(ws, 'packages', 'lib')]);
    expect(found.map((e) => [e.packageName, e.schemes])).toEqual([
      ['epsilon-engine', ['eps', 'installed']],
      ['zeta-engine', ['zeta']],
    ]);
    expect(workspacePackageDirs(join(root, 'no-such-folder'))).toEqual([]);
  });
});
