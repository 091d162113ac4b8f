import { describe, expect, it } from '@jest/globals';
import type { Command } from 'commander';
import type { EngineCommand } from '@gds/database/engine';
import { buildProgram } from './cli.js';

const names = (program: Command) => program.commands.map((c) => c.name());
const build = (...args: string[]) => buildProgram(() => undefined, ['node', 'gds', ...args]);

/** A command's help and its sub-commands' help, recursively. */
const helpOf = (command: Command): string[] => [command.helpInformation(), ...command.commands.flatMap(helpOf)];

describe('buildProgram registers only the command that runs', () => {
  it('registers the invoked command alone, past global options and their values', () => {
    expect(names(build('ls', '--json'))).toEqual(['ls']);
    expect(names(build('--url', 'postgres://u@h/db', '--timeout', '5', 'info', 'app'))).toEqual(['info']);
    expect(names(build('-y', 'postgres', 'vacuum', 'app'))).toEqual(['postgres']);
    expect(names(build('ha', 'lag'))).toEqual(['ha']);
    expect(names(build('--version'))).toEqual([]);
  });

  it('registers everything for help, no command, or a command it does not know (for suggestions)', () => {
    const all = names(buildProgram(() => undefined));
    expect(all).toEqual(expect.arrayContaining(['ls', 'info', 'create', 'drop', 'state', 'backup', 'restore', 'verify', 'schemas', 'tables', 'ha', 'demo', 'postgres', 'mssql', 'mongodb', 'snowflake']));
    for (const args of [[], ['--help'], ['ls', '--help'], ['help', 'ls'], ['lss'], ['--url', 'ls'], ['-h']]) expect(names(build(...args))).toEqual(all);
  });

  it('gives each command alone the same options and help as in the full program', () => {
    const full = buildProgram(() => undefined);
    for (const command of full.commands) {
      const alone = build(command.name()).commands;
      expect(alone).toHaveLength(1);
      expect(helpOf(alone[0] as Command)).toEqual(helpOf(command));
    }
  });

  it("builds an engine's group from its definition's commands and its package.json facts (no engine named in the CLI)", () => {
    const installed = { type: 'fakedb', displayName: 'FakeDB', cliName: 'fake', schemes: ['fake'], packageName: 'gds-fake', dir: '/nowhere' };
    const squash: EngineCommand = { name: 'squash', args: ['<level>'], description: 'squash the database', options: [['--hard', 'squash harder']], run: async () => ({}) };
    const program = buildProgram(() => undefined, ['node', 'gds', 'fake', 'squash', 'app', '3'], [{ installed, commands: [squash] }]);
    expect(names(program)).toEqual(['fake']);
    const group = program.commands[0] as Command;
    expect(group.description()).toBe('fakedb-specific operations');
    expect(names(group)).toEqual(['options', 'squash']);
    const sub = group.commands[1] as Command;
    expect(sub.helpInformation()).toMatch(/Usage: gds fake squash \[options\] <db> <level>[\s\S]*--hard +squash harder/);
    // a core command word registers no engine group
    expect(names(buildProgram(() => undefined, ['node', 'gds', 'ls'], [{ installed, commands: [squash] }]))).toEqual(['ls']);
  });
});
