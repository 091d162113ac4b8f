// isAlive() on Linux: a process whose main thread has ended while another thread still runs shows
// its leader as a zombie ('Z' in /proc/<pid>/stat) but is alive: it keeps its sockets open and
// listening. Seen in CI: a SIGKILLed mariadbd whose leader was a zombie while a thread still
// finished I/O kept accepting connections on its port after stop() had called it dead.
import { afterEach, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { isAlive } from '../src/postgres/exit-cleanup.js';

const python = spawnSync('python3', ['-c', 'import ctypes'], { encoding: 'utf8' }).status === 0;
const itLinux = process.platform === 'linux' && python ? it : it.skip;
if (!(process.platform === 'linux' && python)) console.log(`SKIP isAlive zombie-leader test: needs Linux and python3 (platform ${process.platform})`);

// The main thread ends with the raw exit syscall (not exit_group), a second thread holds a listening socket.
const SCRIPT = `
import ctypes, os, socket, sys, threading, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
threading.Thread(target=lambda: time.sleep(60), daemon=False).start()
time.sleep(0.2)
ctypes.CDLL(None).syscall({'x86_64': 60, 'aarch64': 93}[os.uname().machine], 0)
`;

const state = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
};
const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
const waitUntil = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
});

itLinux('a zombie leader with a live thread is alive (its socket still listens); after SIGKILL it is dead', async () => {
  child = spawn('python3', ['-c', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = child.pid!;
  const port = await new Promise<number>((resolve) => child!.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  await waitUntil(() => state(pid) === 'Z');
  expect(await connects(port)).toBe(true); // the process still serves its socket
  expect(isAlive(pid)).toBe(true);
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid));
  expect(await connects(port)).toBe(false);
}, 30_000);
