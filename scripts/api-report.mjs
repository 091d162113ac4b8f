#!/usr/bin/env node
// The public API of every package, pinned: for each package under packages/ with an exports
// map, each public entry's exported names and their kinds (class, function, interface, type,
// const, let, enum, namespace), read from the built .d.ts with the TypeScript compiler's checker
// (the exports of the entry module, re-exports followed), written sorted to
// packages/<pkg>/api-report.json. A change of exports then shows in review as a change of that
// file; `--check` fails on any difference and prints the names added, removed or changed.
//
//   node scripts/api-report.mjs            (after a build: regenerate the reports)
//   node scripts/api-report.mjs --check    (exit 1 on a difference, 2 when a package is not built)
//   ... --reports <dir>                    (read/write <dir>/<package folder>.json instead; for tests)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const reportsAt = process.argv.includes('--reports') ? process.argv[process.argv.indexOf('--reports') + 1] : undefined;

/** Each package with an exports map, and its public entries' declaration files. */
const packages = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => pkg.exports && typeof pkg.exports === 'object')
  .map(({ dir, pkg }) => ({
    dir,
    name: pkg.name,
    entries: Object.entries(pkg.exports)
      .map(([key, value]) => [key, typeof value === 'object' && value !== null ? value.types : undefined])
      .filter(([, types]) => typeof types === 'string')
      .map(([key, types]) => ({ key, file: join(dir, types) })),
  }));

const missing = packages.flatMap((p) => p.entries.filter((e) => !existsSync(e.file)).map((e) => relative(root, e.file)));
if (missing.length > 0) {
  console.error(`not built (run the build first): ${missing.join(', ')}`);
  process.exit(2);
}

const program = ts.createProgram(
  packages.flatMap((p) => p.entries.map((e) => e.file)),
  { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true, types: ['node'] },
);
const checker = program.getTypeChecker();

/** The kinds of a symbol (after aliases): a name can be both a value and a type. */
function kinds(symbol) {
  const s = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const f = s.flags;
  const out = [];
  if (f & ts.SymbolFlags.Class) out.push('class');
  if (f & ts.SymbolFlags.Function) out.push('function');
  if (f & ts.SymbolFlags.Enum) out.push('enum');
  if (f & ts.SymbolFlags.Interface) out.push('interface');
  if (f & ts.SymbolFlags.TypeAlias) out.push('type');
  if (f & ts.SymbolFlags.Variable) {
    const decl = s.declarations?.find((d) => ts.isVariableDeclaration(d));
    const flags = decl?.parent && ts.isVariableDeclarationList(decl.parent) ? decl.parent.flags : 0;
    out.push(flags & ts.NodeFlags.Const ? 'const' : 'let');
  }
  if (f & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule) && !(f & (ts.SymbolFlags.Class | ts.SymbolFlags.Function | ts.SymbolFlags.Enum))) out.push('namespace');
  return out.length > 0 ? out.sort().join(' ') : 'unknown';
}

function report({ entries }) {
  const out = {};
  for (const { key, file } of [...entries].sort((a, b) => a.key.localeCompare(b.key))) {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`${relative(root, file)}: not a module`);
    const names = {};
    for (const symbol of [...checker.getExportsOfModule(module)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) names[symbol.name] = kinds(symbol);
    out[key] = names;
  }
  return out;
}

let differences = 0;
for (const p of packages) {
  const file = reportsAt ? join(reportsAt, `${basename(p.dir)}.json`) : join(p.dir, 'api-report.json');
  const now = report(p);
  const text = `${JSON.stringify(now, null, 2)}\n`;
  if (!check) {
    writeFileSync(file, text);
    console.log(`${relative(root, file)}: ${Object.values(now).reduce((n, names) => n + Object.keys(names).length, 0)} names in ${Object.keys(now).length} entries`);
    continue;
  }
  const before = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  if (JSON.stringify(before) === JSON.stringify(now)) continue;
  for (const entry of [...new Set([...Object.keys(before), ...Object.keys(now)])].sort()) {
    const was = before[entry] ?? {};
    const is = now[entry] ?? {};
    const id = `${p.name}${entry === '.' ? '' : entry.slice(1)}`;
    for (const name of Object.keys(is)) if (!(name in was)) console.log(`${id}: added ${name} (${is[name]})`);
    for (const name of Object.keys(was)) if (!(name in is)) console.log(`${id}: removed ${name} (${was[name]})`);
    for (const name of Object.keys(is)) if (name in was && was[name] !== is[name]) console.log(`${id}: ${name} changed from ${was[name]} to ${is[name]}`);
  }
  differences++;
}
if (check) {
  if (differences > 0) {
    console.log(`${differences} API report(s) differ from the built packages: if the change is intended, run node scripts/api-report.mjs and commit the reports`);
    process.exit(1);
  }
  console.log('API reports are up to date');
}
