#!/usr/bin/env node
/**
 * The `gds` executable.
 *
 * @module
 */
import module from 'node:module';

// Node 22.1+ keeps compiled code between runs (a no-op on Node 20, which lacks it)
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// `gds ls | head` closes the pipe early: that is not an error. After SIGHUP (the terminal or ssh
// session gone) writes fail with EPIPE or EIO: then the process must live on until the
// cancellation has killed its children and removed its partial files, so the output is dropped.
let signalled = () => false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'EIO') throw error;
    if (signalled()) return;
    process.exit(process.exitCode ?? 0);
  });
}

const { main, signalReceived } = await import('./cli.js');
signalled = signalReceived;
process.exitCode = await main(process.argv);
