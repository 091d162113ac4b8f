import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ProviderNotRegisteredError, ValidationError } from './errors.js';
import { getProvider, getProviderForUrl, listProviders, registerProvider, unregisterProvider } from './registry.js';
import { memoryProvider } from '../test/memory-provider.js';
import type * as CoreModule from './index.js';

type Core = typeof CoreModule;

afterEach(() => {
  unregisterProvider('sqlite');
});

describe('registry', () => {
  it('registers, finds by type and by URL scheme, lists and unregisters', () => {
    const p = memoryProvider();
    registerProvider(p);
    expect(getProvider('sqlite')).toBe(p);
    expect(getProviderForUrl('MEMORY://host/db')).toBe(p);
    expect(listProviders()).toContain(p);
    expect(unregisterProvider('sqlite')).toBe(true);
    expect(unregisterProvider('sqlite')).toBe(false);
  });

  it('treats the same provider, or another copy of the same package, as a no-op', () => {
    const p = memoryProvider();
    registerProvider(p);
    registerProvider(p);
    registerProvider(memoryProvider());
    expect(getProvider('sqlite')).toBe(p);
  });

  it('refuses a different provider for a taken type', () => {
    registerProvider(memoryProvider());
    expect(() => registerProvider(memoryProvider(new Map(), '@someone/else'))).toThrow(ValidationError);
  });

  it('says which package to install for a known engine that is not registered', () => {
    const e = (() => {
      try {
        getProviderForUrl('mssql://sa:Secr3tPass@host/master');
      } catch (err) {
        return err;
      }
    })();
    expect(ProviderNotRegisteredError.isInstance(e)).toBe(true);
    expect((e as Error).message).toMatch(/^No registered engine accepts URLs of scheme 'mssql:\/\/'/);
    expect(() => getProvider('oracle')).toThrow(/No engine 'oracle' is registered: install the gds engine package for 'oracle'/);
  });

  it('refuses unknown schemes and non-URLs without echoing a password', () => {
    expect(() => getProviderForUrl('foo://x')).toThrow(/No registered engine accepts URLs of scheme 'foo:\/\/'/);
    try {
      getProviderForUrl('user@host/db');
    } catch (e) {
      expect(ValidationError.isInstance(e)).toBe(true);
    }
    // 'user:pw@host' reads as scheme 'user' (the // is optional, as in sqlite:dir/): no engine takes it, and the password is not echoed
    try {
      getProviderForUrl('user:s3cretpw@host');
    } catch (e) {
      expect(ProviderNotRegisteredError.isInstance(e)).toBe(true);
      expect(JSON.stringify(e)).not.toContain('s3cretpw');
    }
    expect(() => getProviderForUrl('C:\\data\\app')).toThrow(ValidationError);
    expect.assertions(5);
  });

  it('is shared by two separately loaded copies of the core', () => {
    let copyA!: Core;
    let copyB!: Core;
    jest.isolateModules(() => {
      copyA = jest.requireActual<Core>('./index.ts');
    });
    jest.isolateModules(() => {
      copyB = jest.requireActual<Core>('./index.ts');
    });
    // two real copies: distinct functions and classes
    expect(copyA.registerProvider).not.toBe(copyB.registerProvider);
    expect(copyA.GdsError).not.toBe(copyB.GdsError);
    const p = memoryProvider();
    copyA.registerProvider(p);
    expect(copyB.getProvider('sqlite')).toBe(p);
    expect(getProvider('sqlite')).toBe(p);
    // errors from one copy are recognised by the other
    const e = new copyA.DatabaseNotFoundError('x');
    expect(e instanceof copyB.DatabaseNotFoundError).toBe(false);
    expect(copyB.DatabaseNotFoundError.isInstance(e)).toBe(true);
    copyB.unregisterProvider('sqlite');
    expect(() => copyA.getProvider('sqlite')).toThrow();
  });
});
