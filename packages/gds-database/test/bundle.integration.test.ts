// The published bundle (dist/) in a child node: importing the core, building schemas and
// accepting valid options must not load TypeBox (its `@gds/database/typebox` entry is ~310 KB,
// several ms of every `gds` start); an invalid option loads it, synchronously, and gets
// TypeBox's messages. The loads are seen by watching the resolution of `require` calls.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const packageDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(packageDir, '../..');
const distEntry = path.join(packageDir, 'dist/index.js');

/** Builds dist/ when it is missing or older than the sources (jest can run without `turbo build`). */
function ensureDist(): void {
  const newest = Math.max(...readdirSync(path.join(packageDir, 'src')).map((f) => statSync(path.join(packageDir, 'src', f)).mtimeMs));
  if (existsSync(distEntry) && statSync(distEntry).mtimeMs >= newest) return;
  for (const [cmd, args] of [
    [path.join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json']],
    [process.execPath, [path.join(repoRoot, 'scripts/bundle.mjs')]],
  ] as const) {
    const r = spawnSync(cmd, args, { cwd: packageDir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building @gds/database failed:\n${r.stdout}${r.stderr}`);
  }
}

/** Runs `body` (ESM, with `core` and `schema` imported from dist) and returns its JSON output. */
function run(body: string): { loads: string[]; out: Record<string, unknown> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'gds-bundle-'));
  try {
    const watch = path.join(dir, 'watch.cjs');
    writeFileSync(
      watch,
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
globalThis.__gdsLoads = [];
Module._resolveFilename = function (request, ...rest) { globalThis.__gdsLoads.push(request); return resolve.call(this, request, ...rest); };`,
    );
    const code = `const core = await import(${JSON.stringify(distEntry)});
const schema = await import(${JSON.stringify(path.join(packageDir, 'dist/schema.js'))});
const out = {};
${body}
process.stdout.write(JSON.stringify({ loads: globalThis.__gdsLoads, out }));`;
    const r = spawnSync(process.execPath, ['--require', watch, '--input-type=module', '-e', code], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as { loads: string[]; out: Record<string, unknown> };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the published bundle loads TypeBox only when a value needs it', () => {
  ensureDist();

  it('does not load it to build schemas and accept valid options', () => {
    const { loads, out } = run(`
const S = core.extendOptions(core.MutationOptionsSchema, { n: schema.Type.Optional(schema.Type.Integer({ minimum: 1 })), tags: schema.Type.Optional(schema.Type.Record(schema.Type.String(), schema.Type.String())) });
out.valid = core.validateOptions(S, { n: 2, dryRun: true, tags: { a: 'b' } }, 'x');
out.list = core.validateOptions(core.ListDatabasesOptionsSchema, { withMetadata: true, timeoutMs: 100 }, 'listDatabases');
out.required = S.required ?? null;
out.kind = S['~kind'];`);
    expect(out).toEqual({ valid: { n: 2, dryRun: true, tags: { a: 'b' } }, list: { withMetadata: true, timeoutMs: 100 }, required: null, kind: 'Object' });
    expect(loads.filter((r) => r.includes('typebox'))).toEqual([]);
  });

  it('loads it for an invalid option and reports every problem with TypeBox messages', () => {
    const { loads, out } = run(`
try { core.validateOptions(core.DropOptionsSchema, { force: 'yes', timeoutMs: 0, forse: true }, 'drop'); } catch (e) { out.message = e.message; out.issues = e.issues; }`);
    expect(out.message).toMatch(/^Invalid options for drop: /);
    expect(out.issues).toEqual(
      expect.arrayContaining([
        { path: '/force', message: 'must be boolean' },
        { path: '/timeoutMs', message: 'must be >= 1' },
        { path: '/forse', message: 'is not a known option' },
      ]),
    );
    expect(out.issues).toHaveLength(3);
    expect(loads).toContain('@gds/database/typebox');
  });

  it('loads it for a builder shape outside its own subset (a record keyed by integers)', () => {
    const { loads, out } = run(`out.schema = schema.Type.Record(schema.Type.Integer(), schema.Type.String());`);
    expect(out.schema).toEqual({ type: 'object', patternProperties: { '^-?(?:0|[1-9][0-9]*)$': { type: 'string' } } });
    expect(loads).toContain('@gds/database/typebox');
  });
});
