// Preloaded with --import: records every module URL the ESM loader resolves, and every file
// `require` resolves (the core loads its TypeBox entry with require), and writes the list to
// $GDS_TRACE_FILE at exit (used by bench/cli.mjs to tell which drivers a command loaded).
import { writeFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const loaded = new Set();
port1.on('message', (url) => loaded.add(url));
port1.unref();
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  loaded.add(file);
  return file;
};
register('./trace-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
process.on('exit', () => {
  if (process.env.GDS_TRACE_FILE) writeFileSync(process.env.GDS_TRACE_FILE, [...loaded].join('\n'));
});
