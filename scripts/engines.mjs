// The engines of this repository, as the scripts see them: every packages/* whose package.json
// declares `"gds": { "engine": { "type", "displayName", "cliName", "schemes" } }`. No engine is
// named here or in the scripts that use this: a new engine package is found by its package.json.
//   enginePackages()         the package.json facts (no import), sorted by folder name
//   loadEngines()            the same, each with its registered engine after importing its dist
//                            (a package without dist is left out with a warning on stderr)
//   engineForScheme(scheme)  the engine package that serves a URL scheme
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const root = new URL('..', import.meta.url).pathname;

/** `[{ dir, folder, name, pkg, engine: { type, displayName, cliName, schemes } }]`, one per engine package. */
export function enginePackages() {
  return readdirSync(join(root, 'packages'))
    .sort()
    .filter((folder) => existsSync(join(root, 'packages', folder, 'package.json')))
    .map((folder) => {
      const dir = join(root, 'packages', folder);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return { dir, folder, name: pkg.name, pkg, engine: pkg.gds?.engine };
    })
    .filter((p) => p.engine && typeof p.engine.type === 'string' && Array.isArray(p.engine.schemes));
}

/** The engine package whose schemes include `scheme`, or an Error naming the schemes there are. */
export function engineForScheme(scheme) {
  const all = enginePackages();
  const found = all.find((p) => p.engine.schemes.includes(scheme));
  if (!found) throw new Error(`no engine package in packages/ serves ${scheme}:// (there are: ${all.flatMap((p) => p.engine.schemes).join(', ')})`);
  return found;
}

/** The core's built module. */
export function loadCore() {
  return import(pathToFileURL(join(root, 'packages', 'gds-database', 'dist', 'index.js')).href);
}

/**
 * Imports each engine package's built dist (which registers its engine) and returns
 * `[{ ...enginePackages() entry, module, provider }]`; `provider` is the registered engine
 * (`type, packageName, displayName, cliName, schemes, capabilities, extensions, commands`).
 */
export async function loadEngines() {
  const core = await loadCore();
  const out = [];
  for (const p of enginePackages()) {
    const entry = join(p.dir, 'dist', 'index.js');
    if (!existsSync(entry)) {
      // an engine package being written that does not build yet: left out, and said so
      console.warn(`[engines] ${p.name} (packages/${p.folder}) is not built (pnpm exec turbo run build): left out`);
      continue;
    }
    const module = await import(pathToFileURL(entry).href);
    out.push({ ...p, module, provider: core.getProvider(p.engine.type) });
  }
  return out;
}
