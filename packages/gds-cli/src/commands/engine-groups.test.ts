import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { registerProvider, unregisterProvider } from '@gds/database';
import { defineEngine, type EngineCommand } from '@gds/database/engine';
import { memoryProvider } from '../../../gds-database/test/memory-provider.js';
import { discoverEngines } from '../engine-loader.js';
import { loadEngineCommands } from './engine-groups.js';

const root = mkdtempSync(join(tmpdir(), 'gds-cli-groups-'));
afterAll(() => {
  unregisterProvider('memcmd');
  rmSync(root, { recursive: true, force: true });
});

describe('loadEngineCommands: the commands of an engine come from its definition', () => {
  it("imports the installed package (found by package.json gds.engine) and returns the registered engine's commands", async () => {
    // an engine package the CLI has never heard of: its entry file records that it was imported
    const dir = join(root, 'node_modules', 'gds-memcmd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'gds-memcmd', main: 'index.js', gds: { engine: { type: 'memcmd', displayName: 'MemCmd', cliName: 'memcmd', schemes: ['memcmd'] } } }));
    writeFileSync(join(dir, 'index.js'), 'globalThis.__gdsMemcmdImported = (globalThis.__gdsMemcmdImported ?? 0) + 1;\n');
    const squash: EngineCommand = { name: 'squash', description: 'squash it', run: async () => ({ squashed: true }) };
    registerProvider(defineEngine({ ...memoryProvider().definition, type: 'memcmd', packageName: 'gds-memcmd', cliName: 'memcmd', schemes: ['memcmd'], commands: [squash] }));

    const [installed] = discoverEngines([root]);
    expect(installed).toMatchObject({ type: 'memcmd', cliName: 'memcmd', packageName: 'gds-memcmd' });
    const commands = await loadEngineCommands(installed!);
    expect(commands.map((c) => c.name)).toEqual(['squash']);
    expect(commands[0]).toBe(squash);
    expect((globalThis as { __gdsMemcmdImported?: number }).__gdsMemcmdImported).toBe(1);
  });
});
