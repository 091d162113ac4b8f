import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@gds/database';
import { parseMssqlUrl, resolveConfig, type MSSQLConfigInput } from './mssql-config.js';

interface Evidence {
  cases: { input: MSSQLConfigInput; env: Record<string, string>; user: string; password: string | null }[];
}
const evidence = JSON.parse(readFileSync(join(__dirname, '../test/evidence/sqlcmd-environment.json'), 'utf8')) as Evidence;

describe("sqlcmd's environment (SQLCMDUSER, SQLCMDPASSWORD)", () => {
  it.each(evidence.cases)('%j', ({ input, env, user, password }) => {
    const c = resolveConfig(input, env);
    expect(c.user).toBe(user);
    expect(c.password?.reveal() ?? null).toBe(password);
  });
  it('is not used for Entra ID or NTLM logins', () => {
    const c = resolveConfig({ authentication: 'ntlm', user: 'u', domain: 'd' } as MSSQLConfigInput, { SQLCMDPASSWORD: 'x' });
    expect(c.password).toBeUndefined();
  });
});

describe('URL parameters', () => {
  it('an unknown one is refused, naming the known ones; the known ones still parse', () => {
    expect(() => parseMssqlUrl('mssql://sa:pw@h/db?encrpt=true')).toThrow(ValidationError);
    expect(() => parseMssqlUrl('mssql://sa:pw@h/db?encrpt=true')).toThrow(/encrpt: unknown URL parameter \(gds reads instanceName, encrypt/);
    expect(parseMssqlUrl('mssql://sa@h/db?encrypt=false&connectTimeout=2000').connectTimeoutMs).toBe(2000);
  });
});
