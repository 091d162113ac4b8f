#!/usr/bin/env node
// Release readiness, run by .ci/run after the tests (the packages must be built):
//  1. pack every package (pnpm pack turns workspace: ranges into versions);
//  2. publint (strict) and are-the-types-wrong (ESM-only profile) on each tarball;
//  3. install the tarballs of @gds/database and the engine package for postgres:// URLs ALONE
//     into an empty project (their dependencies come from the registry) and run a script there
//     against a throwaway PostgreSQL server; check that no other engine package (packages/* with
//     gds.engine in package.json) nor its driver was installed;
//  4. the README's install path: `npm install -g` of the tarballs into an empty prefix, then
//     `gds demo`, and a global CLI's missing-engine message (scripts/global-install-check.mjs);
//  5. `changeset version` in a throwaway clone, to show the independent versions it would set.
// Prints one line per check; failures are counted into .jest-results/release.extra so that the
// closing "N passed, N failed" line of .ci/run includes them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enginePackages, engineForScheme } from './engines.mjs';
import { globalInstallCheck } from './global-install-check.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const pnpm = existsSync(join(root, '.tools/node_modules/.bin/pnpm')) ? join(root, '.tools/node_modules/.bin/pnpm') : 'pnpm';
const work = mkdtempSync(join(tmpdir(), 'gds-release-'));
const packs = join(work, 'packs');
mkdirSync(packs);
let failed = 0;
let passed = 0;
const check = (name, fn) => {
  try {
    const detail = fn();
    passed++;
    console.log(`release ✓ ${name}${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    failed++;
    const out = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
    console.log(`release ✗ ${name}: ${error.message.split('\n')[0]}${out ? `\n${out.split('\n').slice(-25).join('\n')}` : ''}`);
  }
};
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });

const packages = readdirSync(join(root, 'packages'))
  .filter((d) => existsSync(join(root, 'packages', d, 'package.json')))
  .map((d) => ({ dir: join(root, 'packages', d), pkg: JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);

const tarballs = {};
try {
  for (const { dir, pkg } of packages) {
    check(`pack ${pkg.name}`, () => {
      const before = new Set(readdirSync(packs));
      run(pnpm, ['pack', '--pack-destination', packs], { cwd: dir });
      const file = readdirSync(packs).find((f) => !before.has(f));
      if (!file) throw new Error('no tarball written');
      tarballs[pkg.name] = join(packs, file);
      const listing = run('tar', ['tzf', tarballs[pkg.name]]).split('\n').filter(Boolean);
      const stray = listing.filter((f) => !/^package\/(dist\/|package\.json$|README\.md$|LICENSE)/.test(f));
      if (stray.length) throw new Error(`unexpected files in the tarball: ${stray.join(', ')}`);
      const manifest = JSON.parse(run('tar', ['xzf', tarballs[pkg.name], '-O', 'package/package.json']));
      const text = JSON.stringify(manifest);
      if (text.includes('workspace:')) throw new Error('a workspace: range was left in package.json');
      return `${file}, ${listing.length} files`;
    });
    if (!tarballs[pkg.name]) continue;
    check(`publint ${pkg.name}`, () => run(bin('publint'), ['run', tarballs[pkg.name], '--strict', '--level', 'warning']).trim().split('\n').pop());
    if (pkg.exports?.['.']) {
      check(`are-the-types-wrong ${pkg.name}`, () => {
        run(bin('attw'), [tarballs[pkg.name], '--profile', 'esm-only', '--format', 'ascii']);
        return 'no problems (ESM-only profile)';
      });
    }
  }

  // the engine of the throwaway server (found by its scheme), and everything the others would bring
  const engine = engineForScheme('postgres');
  const others = enginePackages().filter((p) => p.name !== engine.name);
  const ownDeps = new Set(Object.keys(engine.pkg.dependencies ?? {}));
  const otherDeps = others.flatMap((p) => Object.keys(p.pkg.dependencies ?? {}).filter((d) => !ownDeps.has(d)));

  check(`install @gds/database and ${engine.name} alone into an empty project and run a script`, () => {
    if (!tarballs['@gds/database'] || !tarballs[engine.name]) throw new Error('tarballs missing');
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'gds-release-app', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarballs['@gds/database'], tarballs[engine.name]], { cwd: app });
    const installed = readdirSync(join(app, 'node_modules')).flatMap((d) => (d.startsWith('@') ? readdirSync(join(app, 'node_modules', d)).map((s) => `${d}/${s}`) : [d]));
    const unwanted = installed.filter((d) => [...others.map((p) => p.name), ...otherDeps, '@gds/cli', '@gds/testkit', 'testcontainers'].includes(d));
    if (unwanted.length) throw new Error(`installed more than needed: ${unwanted.join(', ')}`);
    writeFileSync(
      join(app, 'main.mjs'),
      `import '${engine.name}';
import { DatabaseManager, ValidationError } from '@gds/database';
import { join } from 'node:path';
const manager = await DatabaseManager.connect(process.env.GDS_URL);
try {
  // an invalid option is refused by name (the core validates with its one copy of TypeBox)
  const invalid = await manager.listDatabases({ withMetadta: true }).then(() => 'accepted', (e) => (ValidationError.isInstance(e) ? e.message : String(e)));
  const db = manager.getDatabase('release check');
  await db.create();
  const backup = await db.backup(join(process.cwd(), 'release.dump'));
  const names = (await manager.listDatabases({ withMetadata: true })).map((d) => d.name);
  await db.drop();
  console.log(JSON.stringify({ names, bytes: backup.data.sizeBytes, exists: await db.exists(), invalid }));
} finally {
  await manager.close();
}
`,
    );
    const server = spawnSync(process.execPath, [
      '--input-type=module',
      '-e',
      `import { startPostgres } from ${JSON.stringify(join(root, 'packages/gds-testkit/dist/index.js'))};
       import { execFileSync } from 'node:child_process';
       const c = await startPostgres();
       try { process.stdout.write(execFileSync(process.execPath, ['main.mjs'], { cwd: ${JSON.stringify(app)}, env: { ...process.env, GDS_URL: c.primary.url('postgres') }, encoding: 'utf8' })); }
       finally { await c.stop(); }`,
    ], { encoding: 'utf8' });
    if (server.status !== 0) throw Object.assign(new Error(`the script failed (exit ${server.status})`), { stderr: server.stderr });
    const result = JSON.parse(server.stdout.trim().split('\n').pop());
    if (!result.names.includes('release check') || result.exists !== false || !(result.bytes > 0)) throw new Error(`unexpected result ${server.stdout}`);
    if (result.invalid !== 'Invalid options for listDatabases: /withMetadta: is not a known option') throw new Error(`an invalid option was not refused as expected: ${result.invalid}`);
    return `${installed.length} packages installed (no other engine, no other driver); created, backed up (${result.bytes} bytes), listed and dropped a database; a misspelt option refused by name`;
  });

  check(`npm install -g @gds/cli ${engine.name} (tarballs) into an empty prefix, then gds demo`, () => globalInstallCheck({ tarballs, work }));

  check('changeset version (dry run in a throwaway clone)', () => {
    const clone = join(work, 'clone');
    run('git', ['clone', '--quiet', '--no-hardlinks', root, clone]);
    for (const f of readdirSync(join(root, '.changeset'))) cpSync(join(root, '.changeset', f), join(clone, '.changeset', f));
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
    const before = Object.fromEntries(packages.map(({ pkg }) => [pkg.name, pkg.version]));
    run(bin('changeset'), ['version'], { cwd: clone });
    const after = packages.map(({ dir, pkg }) => {
      const file = join(clone, 'packages', dir.split('/').pop(), 'package.json');
      if (!existsSync(file)) return `${pkg.name} not committed yet`; // a package still being written
      const next = JSON.parse(readFileSync(file, 'utf8')).version;
      return `${pkg.name} ${before[pkg.name]} → ${next}`;
    });
    return after.join(', ');
  });
} finally {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(root, '.jest-results'), { recursive: true });
  writeFileSync(join(root, '.jest-results', 'release.extra'), String(failed));
  console.log(`release checks: ${passed} passed, ${failed} failed`);
}
process.exit(failed ? 1 : 0);
