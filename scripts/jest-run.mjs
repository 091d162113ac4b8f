#!/usr/bin/env node
// Runs jest, keeps its JSON report in .jest-results/<label>.json, and ends with one line
// "N passed, N failed, N skipped" summed over every report of this run (so that .ci/run can
// add the Node 24 run to the Node 20 one). A suite that failed to run, or a missed coverage
// threshold, counts as a failure too.
//
//   node scripts/jest-run.mjs [--fresh] [--label NAME] [--node PATH] [-- jest args...]
//   node scripts/jest-run.mjs --summary     (only the closing line, over the reports kept)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const resultsDir = join(root, '.jest-results');
const argv = process.argv.slice(2);
let label = 'main';
let node = process.execPath;
let fresh = false;
let summaryOnly = false;
const jestArgs = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') {
    jestArgs.push(...argv.slice(i + 1));
    break;
  } else if (a === '--label') label = argv[++i];
  else if (a === '--node') node = argv[++i];
  else if (a === '--fresh') fresh = true;
  else if (a === '--summary') summaryOnly = true;
  else jestArgs.push(a);
}

if (fresh) rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
let code = 0;
if (!summaryOnly) {
  const output = join(resultsDir, `${label}.json`);
  rmSync(output, { force: true });
  const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const run = spawnSync(node, [jest, '--json', `--outputFile=${output}`, ...jestArgs], { cwd: root, stdio: 'inherit' });
  code = run.status ?? 1;
  let report;
  try {
    report = JSON.parse(readFileSync(output, 'utf8'));
  } catch {
    report = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, numRuntimeErrorTestSuites: 0 };
  }
  const extraFailures = (report.numRuntimeErrorTestSuites ?? 0) + (code !== 0 && !report.numFailedTests && !report.numRuntimeErrorTestSuites ? 1 : 0);
  if (extraFailures && code !== 0 && !report.numFailedTests) {
    console.error(`jest (${label}) exited ${code} without a failed test: a suite failed to load or a coverage threshold was missed (see above)`);
  }
  writeFileSync(join(resultsDir, `${label}.extra`), String(extraFailures));
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync(resultsDir)) {
  const path = join(resultsDir, file);
  if (file.endsWith('.json')) {
    try {
      const r = JSON.parse(readFileSync(path, 'utf8'));
      passed += r.numPassedTests ?? 0;
      failed += r.numFailedTests ?? 0;
      skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    } catch {
      failed += 1;
    }
  } else if (file.endsWith('.extra')) {
    failed += Number(readFileSync(path, 'utf8')) || 0;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code);
