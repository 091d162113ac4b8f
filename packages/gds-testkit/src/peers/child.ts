/**
 * A peer's server process: spawned without a shell, killed at the latest when the test process
 * exits (jest's workers included), its temp directory removed when it stops.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import vm from 'node:vm';

/** The real `process` (jest gives each test file a copy whose 'exit' listeners never fire). */
function hostProcess(): NodeJS.Process {
  try {
    const candidate = vm.runInThisContext('process') as NodeJS.Process | undefined;
    if (typeof candidate?.on === 'function') return candidate;
  } catch {
    // not available: use ours
  }
  return process;
}

const host = hostProcess();
const REGISTRY = Symbol.for('@gds/testkit/peers/live');
type Live = Set<{ pid: number; dir: string | undefined }>;
type HostWithRegistry = NodeJS.Process & { [REGISTRY]?: Live };

function live(): Live {
  const holder = host as HostWithRegistry;
  let set = holder[REGISTRY];
  if (set === undefined) {
    const created: Live = new Set();
    holder[REGISTRY] = set = created;
    host.on('exit', () => {
      for (const entry of created) {
        try {
          host.kill(entry.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        if (entry.dir) rmSync(entry.dir, { recursive: true, force: true });
      }
    });
  }
  return set;
}

/**
 * A running peer process.
 *
 * ### Examples
 * ```ts
 * const child = await startChild('/usr/bin/sleep', ['60'], { ready: () => true });
 * await child.stop();
 * ```
 */
export interface PeerChild {
  /** Its pid. */
  readonly pid: number;
  /** stderr and stdout so far (the last 64 KiB), for failure messages. */
  output(): string;
  /** Whether it has exited. */
  exited(): boolean;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once it has exited and its directory is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** How to start a peer process and when it counts as ready. */
export interface StartChildOptions {
  /** Resolves true once the process serves (polled every 100 ms). */
  ready(output: string): boolean | Promise<boolean>;
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** A temp directory that belongs to the process: removed when it stops. */
  dir?: string;
  /** Its environment (default: ours). */
  env?: NodeJS.ProcessEnv;
  /** Working directory. */
  cwd?: string;
}

/**
 * Spawns `file args` (stdin kept open as a pipe: peers that watch it exit when we die) and waits
 * until `ready` holds; on failure the process is stopped and the error carries its output.
 *
 * ### Examples
 * ```ts
 * const child = await startChild(bin, ['-listen', addr], { ready: (out) => out.includes('ready') });
 * ```
 */
export async function startChild(file: string, args: readonly string[], options: StartChildOptions): Promise<PeerChild> {
  const proc: ChildProcess = spawn(file, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-65_536);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let hasExited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      hasExited = true;
      resolve();
    });
    proc.once('error', (e) => {
      keep(Buffer.from(String(e.message)));
      hasExited = true;
      resolve();
    });
  });
  const entry = { pid: proc.pid ?? -1, dir: options.dir };
  if (proc.pid !== undefined) live().add(entry);

  const stop = async (graceMs = 5_000): Promise<void> => {
    if (!hasExited) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    }
    proc.stdin?.destroy();
    proc.stdout?.destroy();
    proc.stderr?.destroy();
    live().delete(entry);
    if (options.dir) rmSync(options.dir, { recursive: true, force: true, maxRetries: 3 });
  };

  const child: PeerChild = { pid: entry.pid, output: () => out, exited: () => hasExited, stop };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (hasExited) {
      await stop();
      throw new Error(`${file} exited before it was ready:\n${out.trim()}`);
    }
    if (await options.ready(out)) return child;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${file} was not ready after ${options.timeoutMs ?? 60_000} ms:\n${out.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
