import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { installCommand } from './engine-loader.js';

const dir = mkdtempSync(join(tmpdir(), 'gds-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('installCommand: the npm command that adds an engine where this CLI loads it', () => {
  it('a global CLI (prefix/lib/node_modules/@gds/cli) gets npm install -g, with --prefix when not the default', () => {
    const prefix = join(dir, 'prefix');
    const here = join(prefix, 'lib', 'node_modules', '@gds', 'cli', 'dist');
    mkdirSync(here, { recursive: true });
    expect(installCommand('gds-engine-x', here, { npm_config_prefix: prefix })).toBe('npm install -g gds-engine-x');
    expect(installCommand('gds-engine-x', here, { npm_config_prefix: '/usr/local' })).toBe(`npm install -g --prefix ${prefix} gds-engine-x`);
  });
  it('a CLI in a project (project/node_modules/@gds/cli) or a checkout gets npm install', () => {
    const project = join(dir, 'project');
    mkdirSync(join(project, 'node_modules', '@gds', 'cli', 'dist'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{}');
    expect(installCommand('gds-engine-x', join(project, 'node_modules', '@gds', 'cli', 'dist'), {})).toBe('npm install gds-engine-x');
    expect(installCommand('gds-engine-x', '/work/main/packages/gds-cli/dist', {})).toBe('npm install gds-engine-x');
  });
});
