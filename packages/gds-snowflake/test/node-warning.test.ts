// Importing @gds/snowflake and opening a connection (which loads snowflake-sdk and its AWS SDK)
// prints nothing on stderr: on Node < 22 the AWS SDK's emitWarningIfUnsupportedVersion would print
// a NodeVersionSupportWarning on the stderr of every gds command; gds sets the SDK's documented
// opt-out before loading the driver. Runs the built package (dist) in a child process.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { evidence } from './evidence.js';

const pkg = join(__dirname, '..');
const dist = join(pkg, 'dist', 'index.js');
const major = Number(process.versions.node.split('.')[0]);

function run(code: string, env: NodeJS.ProcessEnv = {}): { stderr: string; stdout: string; status: number | null } {
  const childEnv = { ...process.env, ...env };
  delete childEnv.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  delete childEnv.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: pkg, env: childEnv, encoding: 'utf8', timeout: 60_000 });
  return { stderr: r.stderr, stdout: r.stdout, status: r.status };
}

const openRefused = `
import { SnowflakeConnection } from ${JSON.stringify(dist)};
const c = new SnowflakeConnection({ account: 'A', username: 'u', password: 'p-123456', host: '127.0.0.1', port: 1, protocol: 'http', connectTimeoutMs: 2000 });
await c.open().catch(() => undefined);
await c.close();
console.log('opened');
`;

describe('no AWS SDK Node-version warning on stderr', () => {
  it('the opt-out gds sets is the one the installed @aws-sdk/core reads (evidence)', () => {
    const entry = evidence.find((e) => e.subject === 'AWS SDK emitWarningIfUnsupportedVersion');
    expect(entry?.rule).toContain('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED');
    const sdk = createRequire(join(pkg, 'package.json')).resolve('snowflake-sdk');
    const core = createRequire(sdk).resolve('@aws-sdk/core/client');
    const source = readFileSync(join(dirname(core), 'index.js'), 'utf8');
    expect(source).toContain('process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === "true"');
  });

  it('the built package is not older than its sources', () => {
    const newest = readdirSync(join(pkg, 'src'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => statSync(join(pkg, 'src', f)).mtimeMs)
      .reduce((a, b) => Math.max(a, b), 0);
    expect({ distIsCurrent: statSync(dist).mtimeMs >= newest, hint: 'pnpm --filter @gds/snowflake run build' }).toEqual({ distIsCurrent: true, hint: expect.any(String) });
  });

  it('importing @gds/snowflake and loading the driver leaves stderr empty', () => {
    const r = run(openRefused);
    expect(r.stdout.trim()).toBe('opened');
    expect(r.stderr).toBe('');
  }, 60_000);

  it('control: loading snowflake-sdk directly prints the warning on this Node version', () => {
    if (major >= 22) {
      console.log(`SKIP control: Node ${process.versions.node} is >= 22, where the AWS SDK prints no Node-version warning`);
      return;
    }
    const r = run(`await import('snowflake-sdk'); const { S3Client } = await import(${JSON.stringify(createRequire(createRequire(join(pkg, 'package.json')).resolve('snowflake-sdk')).resolve('@aws-sdk/client-s3'))}); new S3Client({ region: 'us-east-1' });`);
    expect(r.stderr).toMatch(/NodeVersionSupportWarning/);
  }, 60_000);
});
