#!/usr/bin/env node
/**
 * The `gds` executable.
 *
 * @module
 */
import module from 'node:module';

// Node 22.1+ keeps compiled code between runs (a no-op on Node 20, which lacks it)
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// `gds ls | head` closes the pipe early: that is not an error
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const { main } = await import('./cli.js');
process.exitCode = await main(process.argv);
