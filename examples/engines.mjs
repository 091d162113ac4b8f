// Loads the engine package for a URL's scheme (only that one), so that every example works with
// any engine: `await loadEngine(url)` before `DatabaseManager.connect(url)`. Engine packages are
// found by the `"gds": { "engine": { "schemes": [...] } }` field of their package.json, so an
// engine installed next to these examples (node_modules/@gds/* or node_modules/*), or a package of the
// workspace these examples are in (../packages/*), is used without naming it here.
import { readdirSync, readFileSync } from 'node:fs';

const modules = new URL('./node_modules/', import.meta.url);

const workspace = new URL('../packages/', import.meta.url);

function readEngine(dir, base = modules) {
  try {
    const pkg = JSON.parse(readFileSync(new URL(`${dir}/package.json`, base), 'utf8'));
    if (!pkg.gds?.engine) return undefined;
    // a workspace package is imported by its entry file (it is no dependency of the examples)
    const entry = base === modules ? pkg.name : new URL(`${dir}/${pkg.exports?.['.']?.default ?? pkg.main ?? 'index.js'}`, base).href;
    return { packageName: pkg.name, entry, ...pkg.gds.engine };
  } catch {
    return undefined;
  }
}

/** The engine packages installed next to the examples, with their package.json `gds.engine` facts. */
export function installedEngines() {
  const list = (url) => {
    try {
      return readdirSync(url);
    } catch {
      return [];
    }
  };
  const dirs = list(modules).flatMap((name) => (name === '@gds' ? list(new URL('@gds/', modules)).map((sub) => `@gds/${sub}`) : name.startsWith('.') || name.startsWith('@') ? [] : [name]));
  const installed = dirs.map((d) => readEngine(d)).filter(Boolean);
  const local = list(workspace).map((d) => readEngine(d, workspace)).filter((e) => e && !installed.some((i) => i.type === e.type));
  return [...installed, ...local];
}

export async function loadEngine(url) {
  const scheme = /^([a-z][a-z0-9+.-]+):(?:\/\/)?/i.exec(url ?? '')?.[1]?.toLowerCase();
  const engines = installedEngines();
  const engine = engines.find((e) => e.schemes.includes(scheme));
  if (!engine) throw new Error(`set GDS_URL to a URL of an installed engine: ${engines.flatMap((e) => e.schemes.map((s) => `${s}://`)).join(', ')} (got ${scheme ?? 'nothing'})`);
  return import(engine.entry);
}

export function requireUrl() {
  const url = process.env.GDS_URL;
  if (!url) {
    console.error('set GDS_URL, e.g. GDS_URL=postgres://postgres@127.0.0.1:5432/postgres');
    process.exit(2);
  }
  return url;
}
