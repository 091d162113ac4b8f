// Each package's public exports are pinned (issue 16): scripts/api-report.mjs reads every public
// entry's exports from the built .d.ts and compares them with packages/<pkg>/api-report.json. An
// unplanned change of exports fails here; a planned one is committed with the regenerated
// reports (`node scripts/api-report.mjs`). Needs the built packages (the README test command
// builds them first), as the generated-docs check does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';

const repoRoot = path.resolve(__dirname, '../../..');
const script = path.join(repoRoot, 'scripts/api-report.mjs');
const apiReport = (...args: string[]) => spawnSync(process.execPath, [script, '--check', ...args], { cwd: repoRoot, encoding: 'utf8' });

const first = apiReport();
const skip = first.status === 2 ? first.stderr.trim() : undefined;
if (skip) process.stderr.write(`SKIP API report check: ${skip}\n`);

const tmp = mkdtempSync(path.join(tmpdir(), 'gds-api-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

(skip ? describe.skip : describe)('API reports', () => {
  it('every package exports exactly what its api-report.json lists', () => {
    expect(first.stderr).toBe('');
    expect(first.stdout.trim()).toBe('API reports are up to date');
    expect(first.status).toBe(0);
  }, 60_000);

  it('names what was added or removed when the exports differ from the report', () => {
    const folders = readdirSync(path.join(repoRoot, 'packages')).filter((d) => existsSync(path.join(repoRoot, 'packages', d, 'api-report.json')));
    for (const d of folders) writeFileSync(path.join(tmp, `${d}.json`), readFileSync(path.join(repoRoot, 'packages', d, 'api-report.json')));
    const core = JSON.parse(readFileSync(path.join(tmp, 'gds-database.json'), 'utf8')) as Record<string, Record<string, string>>;
    const main = core['.']!;
    expect(main.DatabaseManager).toBe('class');
    delete main.DatabaseManager; // as if the build had gained it
    main.notExportedAnyMore = 'function'; // as if the build had lost it
    writeFileSync(path.join(tmp, 'gds-database.json'), JSON.stringify(core));
    const r = apiReport('--reports', tmp);
    expect(r.stdout).toContain('@gds/database: added DatabaseManager (class)');
    expect(r.stdout).toContain('@gds/database: removed notExportedAnyMore (function)');
    expect(r.stdout).toMatch(/\d+ API report\(s\) differ from the built packages/);
    expect(r.status).toBe(1);
  }, 60_000);
});
