#!/usr/bin/env node
// Turns a package's tsc output (dist/**/*.js, one file per module) into one ESM file per entry
// point (plus shared chunks for lazily imported code), keeping tsc's .d.ts files as they are.
//
// Why: on Node 20 loading an ES module graph costs time per file. typebox 1.x alone is about 700
// files (`import('typebox/value')` ~340 ms over `node -e 0` here, ~20 ms bundled), which made
// `gds ls` 3.8x slower than a bare postgres.js script. Dependencies stay external (resolved from
// node_modules at run time) unless the package lists them in "gds": { "inline": [...] }: the core
// inlines typebox (still a normal dependency, for its .d.ts), validates with it and re-exports its
// `Type` (`@gds/database/schema`), so that engines and the CLI build their schemas with, and are
// checked by, that one copy; no other gds package imports typebox at run time.
//
//   node ../../scripts/bundle.mjs        (run in a package folder, after tsc)
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync, rmSync, statSync, renameSync, mkdirSync, existsSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { build } from 'esbuild';

const cwd = process.cwd();
const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
const inline = new Set(pkg.gds?.inline ?? []);
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
const external = [...deps.filter((d) => !inline.has(d)).flatMap((d) => [d, `${d}/*`]), ...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const entries = new Set();
const collect = (value) => {
  if (typeof value === 'string' && value.startsWith('./dist/') && value.endsWith('.js')) entries.add(join(cwd, value));
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collect(v);
};
collect(pkg.exports);
collect(pkg.bin);
if (entries.size === 0) process.exit(0);

// commander loads node:child_process when imported, for executable sub-commands (`git-foo`
// style), which gds does not use; loading it costs ~1.5 ms of every `gds` start. In the inlined
// copy that require returns the module on first use instead.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => process.getBuiltinModule('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

const dist = join(cwd, 'dist');
const out = join(cwd, '.bundle-tmp');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [...entries],
  outdir: out,
  outbase: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external,
  logLevel: 'warning',
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [lazyChildProcess],
  // inlined CommonJS dependencies (commander) call require() for Node built-ins
  banner: inline.size ? { js: "import { createRequire as __gdsCreateRequire } from 'node:module'; const require = __gdsCreateRequire(import.meta.url);" } : undefined,
});

// replace tsc's JavaScript (and its maps) with the bundle; keep the declarations
const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
for (const file of walk(dist)) if (/\.js(\.map)?$/.test(file)) rmSync(file);
for (const file of walk(out)) {
  const target = join(dist, relative(out, file));
  mkdirSync(dirname(target), { recursive: true });
  renameSync(file, target);
}
rmSync(out, { recursive: true, force: true });
if (pkg.bin) for (const b of Object.values(typeof pkg.bin === 'string' ? { b: pkg.bin } : pkg.bin)) if (existsSync(join(cwd, b))) (await import('node:fs')).chmodSync(join(cwd, b), 0o755);
