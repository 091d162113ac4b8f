// TypeDoc over every library package: each packages/* whose package.json exports a main entry
// (`exports['.']`), read from the package.json files, so a new package needs no edit here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const packages = readdirSync(new URL('./packages/', import.meta.url))
  .sort()
  .filter((dir) => {
    const file = new URL(`./packages/${dir}/package.json`, import.meta.url);
    if (!existsSync(file)) return false;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    return !pkg.private && pkg.exports?.['.'] !== undefined && existsSync(new URL(`./packages/${dir}/src/index.ts`, import.meta.url));
  })
  .map((dir) => `packages/${dir}`);

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  $schema: 'https://typedoc.org/schema.json',
  name: 'gds',
  entryPointStrategy: 'packages',
  entryPoints: packages,
  packageOptions: {
    entryPoints: ['src/index.ts'],
    tsconfig: 'tsconfig.build.json',
    excludePrivate: true,
    excludeInternal: true,
    disableGit: true,
    disableSources: true,
  },
  out: 'docs/api',
  treatWarningsAsErrors: true,
  validation: {
    notExported: true,
    invalidLink: true,
    notDocumented: false,
  },
  readme: 'README.md',
  disableSources: true,
  skipErrorChecking: true,
  disableGit: true,
};
