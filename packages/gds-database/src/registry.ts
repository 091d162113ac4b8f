/**
 * The global provider registry. Engine packages call {@link registerProvider} when imported.
 * It lives on `globalThis[Symbol.for('@gds/database/registry')]`, so that two installed copies of
 * `@gds/database` (a nested dependency, a bundle) still share one registry.
 *
 * @module
 */
import type { DatabaseType } from './enums.js';
import { ProviderNotRegisteredError, ValidationError } from './errors.js';
import { installHint, urlScheme } from './engines.js';
import type { DatabaseProvider } from './provider.js';

const REGISTRY_KEY = Symbol.for('@gds/database/registry');

function registry(): Map<string, DatabaseProvider> {
  const holder = globalThis as unknown as Record<symbol, Map<string, DatabaseProvider> | undefined>;
  let map = holder[REGISTRY_KEY];
  if (!map) {
    map = new Map();
    holder[REGISTRY_KEY] = map;
  }
  return map;
}

/**
 * Registers a provider. Registering the same provider again (the same object, or a copy from the
 * same package) is a no-op; a provider from a different package for a taken engine throws.
 *
 * ### Examples
 * ```ts
 * registerProvider(myEngine); // an engine package does this in its entry point, so importing it registers it
 * ```
 */
export function registerProvider(provider: DatabaseProvider): void {
  if (!provider || typeof provider.definition !== 'object' || typeof provider.mapError !== 'function') {
    throw new ValidationError('Not a registered engine', [{ path: '', message: 'make it with defineEngine() from @gds/database/engine' }]);
  }
  const map = registry();
  const existing = map.get(provider.type);
  if (existing) {
    if (existing === provider || existing.packageName === provider.packageName) return;
    throw new ValidationError(`A provider for '${provider.type}' is registered already`, [
      { path: '/type', message: `taken by ${existing.packageName}; ${provider.packageName} cannot replace it (call unregisterProvider first)` },
    ]);
  }
  map.set(provider.type, provider);
}

/**
 * Removes the provider of `type` (for tests and plugin hosts). Returns whether one was there.
 *
 * ### Examples
 * ```ts
 * afterEach(() => unregisterProvider('postgresql'));
 * ```
 */
export function unregisterProvider(type: DatabaseType | string): boolean {
  return registry().delete(type);
}

/**
 * The provider of `type`, or ProviderNotRegisteredError saying which package to install.
 *
 * ### Examples
 * ```ts
 * const pg = getProvider('postgresql');
 * ```
 */
export function getProvider(type: DatabaseType | string): DatabaseProvider {
  const provider = registry().get(type);
  if (!provider) {
    throw new ProviderNotRegisteredError(`No engine '${type}' is registered: ${installHint(type)}`, {
      engine: type,
      hint: installHint(type),
    });
  }
  return provider;
}

/**
 * The registered engine that accepts the scheme of `url`, or ProviderNotRegisteredError saying
 * which schemes the registered engines accept.
 *
 * ### Examples
 * ```ts
 * getProviderForUrl('postgres://localhost/app').type; // 'postgresql'
 * ```
 */
export function getProviderForUrl(url: string): DatabaseProvider {
  const scheme = urlScheme(url);
  for (const provider of registry().values()) if (provider.schemes.includes(scheme)) return provider;
  const known = [...registry().values()].flatMap((p) => p.schemes.map((s) => `${s}://`));
  throw new ProviderNotRegisteredError(`No registered engine accepts URLs of scheme '${scheme}://'${known.length ? ` (registered: ${known.join(', ')})` : ''}`, {
    hint: installHint(scheme),
  });
}

/**
 * Every registered provider.
 *
 * ### Examples
 * ```ts
 * console.log(listProviders().map((p) => p.type)); // ['postgresql']
 * ```
 */
export function listProviders(): DatabaseProvider[] {
  return [...registry().values()];
}
