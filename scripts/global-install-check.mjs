#!/usr/bin/env node
// The README's install path, end to end from packed tarballs: `npm install -g` of @gds/database,
// the engine package for postgres:// URLs and @gds/cli into an empty prefix, then `gds demo`
// (which must not need @gds/testkit: the CLI carries the cluster launcher), and the
// missing-engine message of a global CLI for another engine's scheme (`npm install -g --prefix
// <prefix> <package>`, not `npm install <package>`). Engines are found by their package.json
// `gds.engine` (scripts/engines.mjs).
// Used by release-check.mjs; run alone (`node scripts/global-install-check.mjs`, packages built)
// it packs the three packages itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { enginePackages, engineForScheme } from './engines.mjs';

/**
 * Installs the tarballs globally into a fresh prefix under `work` and runs the checks; returns
 * a one-line summary or throws.
 */
export function globalInstallCheck({ tarballs, work }) {
  const engine = engineForScheme('postgres');
  for (const name of ['@gds/database', engine.name, '@gds/cli']) if (!tarballs[name]) throw new Error(`tarball of ${name} missing`);
  const prefix = join(work, 'global-prefix');
  mkdirSync(prefix, { recursive: true });
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tarballs['@gds/database'], tarballs[engine.name], tarballs['@gds/cli']], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: work,
  });
  const gds = join(prefix, 'bin', 'gds');
  if (!existsSync(gds)) throw new Error(`npm put no gds in ${join(prefix, 'bin')}`);
  const installed = readdirSync(join(prefix, 'lib', 'node_modules', '@gds'));
  if (installed.includes('testkit')) throw new Error('@gds/testkit was installed: the CLI should not need it');
  const env = { ...process.env, GDS_URL: '', npm_config_prefix: undefined, NPM_CONFIG_PREFIX: undefined };
  const demo = spawnSync(gds, ['demo', '--json'], { encoding: 'utf8', cwd: work, env, timeout: 180_000 });
  if (demo.status !== 0) throw Object.assign(new Error(`gds demo failed (exit ${demo.status})`), { stdout: demo.stdout, stderr: demo.stderr });
  const doc = JSON.parse(demo.stdout);
  const steps = doc.steps ?? doc.result?.steps ?? [];
  if (doc.ok !== true || !steps.length || steps.some((s) => s.ok !== true)) throw new Error(`gds demo reported a failure: ${demo.stdout.slice(0, 400)}`);
  // another engine's scheme, not installed: the CLI says to install its package globally
  const scheme = enginePackages().find((p) => p.name !== engine.name)?.engine.schemes[0] ?? 'nosuchengine';
  const missing = spawnSync(gds, ['--url', `${scheme}://u@127.0.0.1/db`, 'ls'], { encoding: 'utf8', cwd: work, env });
  const wanted = `install the gds engine package for ${scheme}:// (npm install -g --prefix ${prefix} <package>)`;
  if (missing.status !== 2 || !missing.stderr.includes(wanted)) throw new Error(`the missing-engine message does not say '${wanted}': ${missing.stderr.trim()}`);
  return `installed ${installed.map((n) => `@gds/${n}`).join(', ')} with npm install -g into an empty prefix; gds demo ran ${steps.length} steps; a missing engine says '${wanted}'`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = new URL('..', import.meta.url).pathname;
  const pnpm = existsSync(join(root, '.tools/node_modules/.bin/pnpm')) ? join(root, '.tools/node_modules/.bin/pnpm') : 'pnpm';
  const work = mkdtempSync(join(tmpdir(), 'gds-global-'));
  try {
    const packs = join(work, 'packs');
    mkdirSync(packs);
    const tarballs = {};
    const engine = engineForScheme('postgres');
    for (const [name, dir] of [['@gds/database', 'gds-database'], [engine.name, engine.folder], ['@gds/cli', 'gds-cli']]) {
      const before = new Set(readdirSync(packs));
      execFileSync(pnpm, ['pack', '--pack-destination', packs], { cwd: join(root, 'packages', dir), stdio: 'ignore' });
      tarballs[name] = join(packs, readdirSync(packs).find((f) => !before.has(f)));
    }
    console.log(`global install ✓ ${globalInstallCheck({ tarballs, work })}`);
  } catch (error) {
    console.log(`global install ✗ ${error.message}\n${`${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n')}`);
    process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
