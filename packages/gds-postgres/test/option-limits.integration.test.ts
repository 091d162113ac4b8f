// The maximums of the numeric options are the limits they reach (test/evidence/option-limits.json):
// a timer's 2^31-1 ms, or the server's MAX_BACKENDS, read here from a real PostgreSQL's pg_settings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { DatabaseManager, MAX_TIMER_MS, ValidationError } from '@gds/database';
import { describeWithServer } from '@gds/testkit/jest';
import { MAX_BACKENDS, PostgreSQLConfigSchema, type PostgreSQLConnection } from '../src/index.js';
import { resolveConfig } from '../src/postgres-config.js';

const evidence = JSON.parse(readFileSync(join(__dirname, 'evidence', 'option-limits.json'), 'utf8')) as { limits: { option: string; maximum: number }[] };
type Props = { properties: Record<string, { maximum?: number }> };
const schemas: Record<string, Props> = { PostgreSQLConfigSchema: PostgreSQLConfigSchema as unknown as Props };

it.each(evidence.limits.map((l) => [l.option, l.maximum] as const))('%s has the maximum %d', (option, maximum) => {
  const [schema = '', key = ''] = option.split('.');
  expect(schemas[schema]?.properties[key]?.maximum).toBe(maximum);
  expect(() => resolveConfig({ [key]: maximum })).not.toThrow();
  expect(() => resolveConfig({ [key]: maximum + 1 })).toThrow(ValidationError);
});

it('the timer maximums are MAX_TIMER_MS', () => {
  const { properties } = schemas.PostgreSQLConfigSchema as Props;
  expect(properties.connectTimeoutMs?.maximum).toBe(MAX_TIMER_MS);
  expect(properties.idleTimeoutMs?.maximum).toBe(MAX_TIMER_MS);
});

describeWithServer('postgresql', 'PostgreSQL (real server): the server limit maxConnections reaches', (server) => {
  it('max_connections cannot be set above MAX_BACKENDS (pg_settings.max_val)', async () => {
    const manager = await DatabaseManager.connect(server().url);
    try {
      const rows = await (manager.connection as PostgreSQLConnection).query<{ max_val: string }>("select max_val from pg_catalog.pg_settings where name = 'max_connections'");
      expect(Number(rows[0]?.max_val)).toBe(MAX_BACKENDS);
    } finally {
      await manager.close();
    }
  });
});
