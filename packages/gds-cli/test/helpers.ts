// Runs the built `gds` binary as a real subprocess (no terminal: stdin is /dev/null).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..', '..');
export const bin = join(root, 'packages', 'gds-cli', 'dist', 'bin.js');
export const built = existsSync(bin) && existsSync(join(root, 'packages', 'gds-postgres', 'dist', 'index.js'));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function gds(args: string[], options: { env?: NodeJS.ProcessEnv; binPath?: string; cwd?: string; onSpawn?: (child: ChildProcess) => void; onStdout?: (text: string, child: ChildProcess) => void } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [options.binPath ?? bin, ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, GDS_URL: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => {
      stdout += b.toString();
      options.onStdout?.(b.toString(), child);
    });
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function skipLine(what: string): void {
  if (!built) process.stderr.write(`SKIP ${what}: the packages are not built (the README test command builds them first)\n`);
}
