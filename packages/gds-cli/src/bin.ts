#!/usr/bin/env node
/**
 * The `gds` executable.
 *
 * @module
 */
import { main } from './cli.js';

// `gds ls | head` closes the pipe early: that is not an error
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv);
