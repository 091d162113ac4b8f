// Every published .d.ts resolves in a strict consumer (issue 16): the core and every engine
// package (a package whose package.json declares "gds": { "engine": ... }) are packed with
// `pnpm pack`, installed from the tarballs into a throwaway project with pnpm (isolated
// node_modules, and `hoist: false`, so that nothing a package does not depend on is reachable),
// and checked there with the project's own TypeScript under `--strict`:
// - consumer.ts: option typos, wrong types and wrong enum values are compile errors (each under
//   `@ts-expect-error`), the corrected calls compile; `tsc --noEmit` exits 0;
// - variant.ts: the same file with every wrong call corrected: each `@ts-expect-error` is
//   reported unused (TS2578), so a type that degraded to `any` fails here;
// - every .d.ts of the installed packages type-checks (lib check on for them only): no
//   unresolved import such as `typebox` when a package uses its types without depending on it;
//   and taking one engine's `typebox` away makes exactly that check fail.
// The typed database is what the engine READMEs show: `manager.getDatabase(name)` cast to the
// Database subclass the engine package exports (found by type here, not by name).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const repoRoot = path.resolve(__dirname, '../../..');

interface Pkg {
  dir: string;
  name: string;
  exports: Record<string, unknown>;
  engine?: { type: string };
}

const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const packages: Pkg[] = readdirSync(path.join(repoRoot, 'packages')).flatMap((d) => {
  const file = path.join(repoRoot, 'packages', d, 'package.json');
  if (!existsSync(file)) return [];
  const p = readJson(file);
  const engine = (p.gds as { engine?: { type: string } } | undefined)?.engine;
  return [{ dir: path.dirname(file), name: p.name as string, exports: (p.exports ?? {}) as Record<string, unknown>, ...(engine ? { engine } : {}) }];
});
const core = packages.find((p) => p.dir === path.resolve(__dirname, '..'))!;
const engines = packages.filter((p) => p.engine);
const rootDevDeps = readJson(path.join(repoRoot, 'package.json')).devDependencies as Record<string, string>;

/**
 * Wrong calls (each a compile error) and their corrections, by engine type; every engine also
 * gets {@link GENERIC}. An engine without an entry here needs no edit of this file.
 */
const CASES: Record<string, { why: string; bad: string; good: string }[]> = {
  postgresql: [
    { why: 'a misspelt option', bad: "await db.create({ templat: 'template0' });", good: "await db.create({ template: 'template0' });" },
    { why: 'a wrong enum value', bad: "await db.backup('/backups/app', { format: 'dir' });", good: "await db.backup('/backups/app', { format: 'directory', jobs: 2 });" },
    { why: 'a wrong enum value', bad: "await db.create({ strategy: 'copy' });", good: "await db.create({ strategy: 'file_copy' });" },
  ],
  mssql: [
    { why: 'a misspelt option', bad: "await db.create({ recoveryModle: 'full' });", good: "await db.create({ recoveryModel: 'full' });" },
    { why: 'a wrong enum value', bad: "await db.create({ recoveryModel: 'bulk' });", good: "await db.create({ recoveryModel: 'bulk_logged' });" },
  ],
  mongodb: [
    { why: 'a misspelt option', bad: "await db.create({ colection: 'first' });", good: "await db.create({ collection: 'first' });" },
    { why: 'a wrong enum value', bad: "await db.backup('/backups/app', { pointInTime: 'always' });", good: "await db.backup('/backups/app', { pointInTime: 'snapshot' });" },
  ],
  snowflake: [{ why: 'a wrong enum value', bad: "await db.create({ mode: 'replace' });", good: "await db.create({ mode: 'orReplace' });" }],
};
/** Wrong calls on a database from the typed connect (`DatabaseManager.connect(engine, url)`): the engine's own methods and HA options, no cast. */
const TYPED_CASES: Record<string, { why: string; bad: string; good: string }[]> = {
  postgresql: [
    { why: "a misspelt option of the engine's own method", bad: 'await tdb.vacuum({ ful: true });', good: 'await tdb.vacuum({ full: true });' },
    { why: "an HA node's typed metadata (lagBytes is a number)", bad: "const lagText: string | undefined = (await tdb.ha!.getAllNodes())[0]?.metadata.lagBytes; void lagText;", good: 'void ((await tdb.ha!.getAllNodes())[0]?.metadata.lagBytes satisfies number | undefined);' },
  ],
  mongodb: [{ why: "a misspelt option of the engine's HA failover", bad: 'await tdb.ha?.failover({ stepDownSec: 30 });', good: 'await tdb.ha?.failover({ stepDownSecs: 30 });' }],
};
const GENERIC = [
  { why: 'an unknown option', bad: 'await db.create({ notAnOption: true });', good: 'await db.create({ dryRun: true });' },
  { why: 'a wrong option type', bad: "await db.drop({ force: 'yes' });", good: 'await db.drop({ force: true });' },
];

/** consumer.ts (`fixed` false) or variant.ts (every wrong call corrected), and the lines of the directives. */
function consumerFile(fixed: boolean): { text: string; directives: number[] } {
  const lines = [
    "import { DatabaseManager, type Database, type DatabaseProvider } from '@gds/database';",
    ...engines.map((e, i) => `import * as engine${i} from '${e.name}';`),
    '',
    '/** The Database subclass an engine package exports (what its README casts getDatabase() to). */',
    'type DatabaseOf<M> = { [K in keyof M]: M[K] extends abstract new (...args: never[]) => infer I ? (I extends Database ? I : never) : never }[keyof M];',
    '/** The registered engine an engine package exports (what DatabaseManager.connect(engine, url) takes). */',
    'type EngineOf<M> = { [K in keyof M]: M[K] extends DatabaseProvider<infer D> ? (Database extends D ? never : M[K]) : never }[keyof M];',
    '',
    'export async function check(manager: DatabaseManager): Promise<void> {',
  ];
  const directives: number[] = [];
  engines.forEach((e, i) => {
    lines.push('  {', `    // ${e.name} (${e.engine!.type})`, `    const db = manager.getDatabase('app') as DatabaseOf<typeof engine${i}>;`);
    lines.push('    const typed: 0 extends 1 & typeof db ? never : true = true; // the database type is not any', '    void typed;');
    for (const c of [...GENERIC, ...(CASES[e.engine!.type] ?? [])]) {
      lines.push(`    // @ts-expect-error ${c.why}`);
      directives.push(lines.length);
      lines.push(`    ${fixed ? c.good : c.bad}`, `    ${c.good}`);
    }
    // the typed connect: the manager hands out the engine's own class, no cast
    lines.push(
      `    const engine = null as unknown as EngineOf<typeof engine${i}>;`,
      "    const typedManager = await DatabaseManager.connect(engine, 'x://never-run');",
      "    const tdb = typedManager.getDatabase('app');",
      '    const same: [typeof tdb] extends [typeof db] ? ([typeof db] extends [typeof tdb] ? true : never) : never = true; // getDatabase() is the engine class',
      '    void same;',
    );
    for (const c of TYPED_CASES[e.engine!.type] ?? []) {
      lines.push(`    // @ts-expect-error ${c.why}`);
      directives.push(lines.length);
      lines.push(`    ${fixed ? c.good : c.bad}`, `    ${c.good}`);
    }
    lines.push('  }');
  });
  lines.push('}', '');
  return { text: lines.join('\n'), directives };
}

/** Type-checks every public entry's .d.ts of the installed packages (and what they import), nothing else. */
const CHECK_DTS = `import ts from 'typescript';
const names = JSON.parse(process.argv[2]);
const options = { strict: true, noEmit: true, skipLibCheck: false, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: ['node'] };
const program = ts.createProgram(['entries.ts'], options);
const files = {};
const diagnostics = [];
const report = (d) => {
  const where = d.file ? d.file.fileName.slice(d.file.fileName.lastIndexOf('/node_modules/') + 14) : '';
  const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
  diagnostics.push({ file: where, line, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, ' ') });
};
for (const sf of program.getSourceFiles()) {
  const name = names.find((n) => sf.fileName.includes('/node_modules/' + n + '/'));
  if (!name && !sf.fileName.endsWith('/entries.ts')) continue;
  if (name) files[name] = (files[name] ?? 0) + 1;
  for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) report(d);
}
for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) report(d);
process.stdout.write(JSON.stringify({ files, diagnostics }));
`;

function findPnpm(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), path.join(repoRoot, '.tools/node_modules/.bin')]) {
    if (dir && existsSync(path.join(dir, 'pnpm'))) return path.join(dir, 'pnpm');
  }
  return undefined;
}

const pnpm = findPnpm();
const unbuilt = [core, ...engines].filter((p) => !existsSync(path.join(p.dir, 'dist/index.d.ts'))).map((p) => p.name);
const skip = !pnpm
  ? 'pnpm is not on PATH (nor in .tools)'
  : unbuilt.length > 0
    ? `not built: ${unbuilt.join(', ')} (the README test command builds them first)`
    : !rootDevDeps.typescript || !rootDevDeps['@types/node']
      ? 'the root package.json pins no typescript/@types/node version'
      : engines.length === 0
        ? 'no package declares "gds": { "engine": ... }'
        : undefined;
if (skip) process.stderr.write(`SKIP strict consumer check: ${skip}\n`);

const work = mkdtempSync(path.join(tmpdir(), 'gds-strict-consumer-'));
const app = path.join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): { status: number | null; out: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...env, CI: '1' }, timeout: 240_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

const tsc = (project: string) => run(process.execPath, [path.join(app, 'node_modules/typescript/bin/tsc'), '-p', project], app);
const checkDts = (): { files: Record<string, number>; diagnostics: { file: string; line: number; code: number; message: string }[] } => {
  const r = run(process.execPath, ['check-dts.mjs', JSON.stringify([core, ...engines].map((p) => p.name))], app);
  if (r.status !== 0) throw new Error(`check-dts failed (${r.status}): ${r.out}`);
  return JSON.parse(r.out) as ReturnType<typeof checkDts>;
};

(skip ? describe.skip : describe)('a strict pnpm consumer of the packed packages', () => {
  beforeAll(() => {
    const tgz = path.join(work, 'tgz');
    mkdirSync(tgz);
    const deps: Record<string, string> = { typescript: rootDevDeps.typescript!, '@types/node': rootDevDeps['@types/node']! };
    for (const p of [core, ...engines]) {
      const before = new Set(readdirSync(tgz));
      const r = run(pnpm!, ['pack', '--pack-destination', tgz], p.dir);
      const made = readdirSync(tgz).filter((f) => !before.has(f));
      if (r.status !== 0 || made.length !== 1) throw new Error(`pnpm pack ${p.name} failed (${r.status}): ${r.out}`);
      deps[p.name] = `file:${path.join(tgz, made[0]!)}`;
    }
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'gds-strict-consumer', private: true, type: 'module', dependencies: deps }, null, 2));
    // hoist off: a package reaches only what it depends on; no dependency's build script is
    // needed to type-check (pnpm 12 refuses to install while one is neither allowed nor denied)
    writeFileSync(path.join(app, 'pnpm-workspace.yaml'), 'hoist: false\nstrictDepBuilds: false\n');
    const install = run(pnpm!, ['install', '--prefer-offline', '--config.confirmModulesPurge=false'], app);
    if (install.status !== 0) throw new Error(`pnpm install failed (${install.status}): ${install.out}`);
    const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck: true };
    writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    writeFileSync(path.join(app, 'tsconfig.variant.json'), JSON.stringify({ compilerOptions, files: ['variant.ts'] }));
    writeFileSync(path.join(app, 'consumer.ts'), consumerFile(false).text);
    writeFileSync(path.join(app, 'variant.ts'), consumerFile(true).text);
    const entries = [core, ...engines].flatMap((p, i) =>
      Object.keys(p.exports)
        .filter((k) => k !== './package.json')
        .map((k, j) => `import type * as e${i}_${j} from '${p.name}${k.slice(1)}';\nexport type { e${i}_${j} };`),
    );
    writeFileSync(path.join(app, 'entries.ts'), `${entries.join('\n')}\n`);
    writeFileSync(path.join(app, 'check-dts.mjs'), CHECK_DTS);
  }, 300_000);

  it('compiles the consumer with tsc --noEmit --strict: every wrong call is an error, every correct one compiles', () => {
    const r = tsc('tsconfig.json');
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('reports each @ts-expect-error unused once its wrong call is corrected (so a type that is any fails)', () => {
    const r = tsc('tsconfig.variant.json');
    const reported = [...r.out.matchAll(/^variant\.ts\((\d+),\d+\): error (TS\d+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(reported).toEqual(consumerFile(true).directives.map((line) => `${line} TS2578`));
    expect(r.out.trim().split('\n')).toHaveLength(reported.length); // nothing else
    expect(r.status).toBe(2);
  }, 120_000);

  it('type-checks every published .d.ts: each import resolves from the package itself', () => {
    const { files, diagnostics } = checkDts();
    expect(diagnostics).toEqual([]);
    for (const p of [core, ...engines]) expect(files[p.name]).toBeGreaterThan(0);
  }, 120_000);

  it('fails that check when an engine that uses typebox types cannot reach typebox', () => {
    const store = path.join(app, 'node_modules/.pnpm');
    const usesTypebox = (e: Pkg) => readdirSync(path.join(e.dir, 'dist')).some((f) => f.endsWith('.d.ts') && /import\("typebox"\)|from 'typebox'/.test(readFileSync(path.join(e.dir, 'dist', f), 'utf8')));
    const engine = engines.find(usesTypebox);
    expect(engine).toBeDefined();
    const slot = readdirSync(store).find((d) => d.startsWith(`${engine!.name.replace('/', '+')}@`))!;
    const link = path.join(store, slot, 'node_modules/typebox');
    expect(existsSync(link)).toBe(true); // the engine depends on typebox
    renameSync(link, `${link}.away`);
    try {
      const { diagnostics } = checkDts();
      expect(diagnostics.length).toBeGreaterThan(0);
      expect(diagnostics.every((d) => d.file.startsWith(`${engine!.name}/`) && d.code === 2307 && d.message.includes("'typebox'"))).toBe(true);
    } finally {
      renameSync(`${link}.away`, link);
    }
  }, 120_000);
});
