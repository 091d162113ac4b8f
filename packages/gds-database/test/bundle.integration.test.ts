// The published bundle (dist/) in a child node: the core validates with TypeBox itself (one
// validator) and holds exactly one copy of it: its entries (`@gds/database`, `@gds/database/schema`)
// share the copy inlined in the bundle (loading TypeBox's ~700 ES module files one by one costs
// ~340 ms of every `gds` start on Node 20, the bundled copy ~20 ms), and nothing resolves the
// `typebox` package at run time besides. The loads are seen by watching the resolution of
// `require`/`import` calls and by reading the bundle's module comments.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

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
    // ESM resolutions through a loader hook (its own thread: it appends to a file), CommonJS ones
    // (inlined CommonJS code calls require) by wrapping Module._resolveFilename
    const log = path.join(dir, 'loads.txt');
    writeFileSync(log, '');
    const hooks = path.join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) { appendFileSync(${JSON.stringify(log)}, specifier + '\\n'); return next(specifier, context); }`,
    );
    const watch = path.join(dir, 'watch.mjs');
    writeFileSync(
      watch,
      `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(hooks).href)});
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { appendFileSync(${JSON.stringify(log)}, request + '\\n'); return resolve.call(this, request, ...rest); };`,
    );
    const code = `const core = await import(${JSON.stringify(distEntry)});
const schema = await import(${JSON.stringify(path.join(packageDir, 'dist/schema.js'))});
const out = {};
${body}
process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(watch).href, '--input-type=module', '-e', code], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
    const loads = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(loads.some((l) => l.endsWith('dist/index.js'))).toBe(true); // the watch sees ESM imports
    return { loads, out: JSON.parse(r.stdout) as Record<string, unknown> };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every JavaScript file under `dir`. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const file = path.join(dir, f);
    return statSync(file).isDirectory() ? jsFiles(file) : file.endsWith('.js') ? [file] : [];
  });
}

describe('the published bundle holds one copy of TypeBox and validates with it', () => {
  ensureDist();

  it('inlines each TypeBox module once (entries share what they both use through a chunk)', () => {
    const seen = new Map<string, string[]>();
    for (const file of jsFiles(path.join(packageDir, 'dist'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^\/\/ \S*node_modules\/typebox\/(build\/\S+\.mjs)$/gm)) {
        seen.set(m[1]!, [...(seen.get(m[1]!) ?? []), path.relative(packageDir, file)]);
      }
    }
    expect(seen.size).toBeGreaterThan(100); // TypeBox's builders, value checker and errors
    // (esbuild may comment a module twice in one file: its namespace object, then its code)
    expect([...seen.entries()].filter(([, where]) => new Set(where).size > 1)).toEqual([]);
  });

  it("builds schemas with TypeBox's own builders and accepts valid options, loading no other copy", () => {
    const { loads, out } = run(`
const S = core.extendOptions(core.MutationOptionsSchema, { n: schema.Type.Optional(schema.Type.Integer({ minimum: 1 })), tags: schema.Type.Optional(schema.Type.Record(schema.Type.String(), schema.Type.String())) });
out.valid = core.validateOptions(S, { n: 2, dryRun: true, tags: { a: 'b' } }, 'x');
out.list = core.validateOptions(core.ListDatabasesOptionsSchema, { withMetadata: true, timeoutMs: 100 }, 'listDatabases');
out.required = S.required ?? null;
out.kind = S['~kind'];
out.intRecord = schema.Type.Record(schema.Type.Integer(), schema.Type.String());
out.builders = Object.keys(schema.Type).length;`);
    expect(out).toEqual({
      valid: { n: 2, dryRun: true, tags: { a: 'b' } },
      list: { withMetadata: true, timeoutMs: 100 },
      required: null,
      kind: 'Object',
      intRecord: { type: 'object', patternProperties: { '^-?(?:0|[1-9][0-9]*)$': { type: 'string' } } },
      builders: expect.any(Number),
    });
    expect(out.builders).toBeGreaterThan(50); // all of TypeBox's Type, not a subset
    expect(loads.filter((r) => r.includes('typebox'))).toEqual([]);
  });

  it('reports every problem of an invalid option with TypeBox messages', () => {
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
    expect(loads.filter((r) => r.includes('typebox'))).toEqual([]);
  });
});
