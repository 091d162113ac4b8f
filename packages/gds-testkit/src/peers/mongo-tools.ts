/**
 * The MongoDB Database Tools (mongodump, mongorestore, bsondump 100.18.0 built from their Go
 * module by `scripts/install-peers.sh`, or found on PATH) as test peers: {@link runMongoTool}
 * runs one without a shell and resolves with its exit code and output.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { findPeer } from './cache.js';

/** The tools a suite can run. */
export type MongoTool = 'mongodump' | 'mongorestore' | 'bsondump';

/** What a tool run gave. */
export interface MongoToolRun {
  /** Exit code (null when killed). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time, ms. */
  ms: number;
}

/**
 * Runs `tool args` (stdin from `input` when given) and resolves once it exits; rejects only
 * when the tool is not installed.
 *
 * ### Examples
 * ```ts
 * const r = await runMongoTool('bsondump', ['--objcheck', '--quiet', 'dump/app/orders.bson']);
 * expect(r.code).toBe(0);
 * ```
 */
export function runMongoTool(tool: MongoTool, args: readonly string[], options: { input?: NodeJS.ReadableStream; timeoutMs?: number } = {}): Promise<MongoToolRun> {
  const bin = findPeer('mongo-tools')?.[tool];
  if (!bin) return Promise.reject(new Error(`${tool} is not installed: run bash scripts/install-peers.sh`));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(bin, [...args], { stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout = (stdout + c.toString('utf8')).slice(-1_048_576)));
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-1_048_576)));
    if (options.input && child.stdin) options.input.pipe(child.stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${e.message}`, ms: Date.now() - started });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
