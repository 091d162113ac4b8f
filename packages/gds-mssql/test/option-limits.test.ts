// The maximums of the numeric options are the limits they reach (test/evidence/option-limits.json):
// a timer's 2^31-1 ms, or the server's smallint backup set position.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { MAX_TIMER_MS, ValidationError, validateOptions } from '@gds/database';
import * as engine from '../src/index.js';

interface Limit { option: string; maximum: number }
type Props = { properties: Record<string, { maximum?: number }> };
const evidence = JSON.parse(readFileSync(join(__dirname, 'evidence', 'option-limits.json'), 'utf8')) as { limits: Limit[] };
const schema = (name: string) => (engine as unknown as Record<string, Props>)[name] as Props;

it.each(evidence.limits.map((l) => [l.option, l.maximum] as const))('%s has the maximum %d, and a value above it is refused', (option, maximum) => {
  const [name = '', key = ''] = option.split('.');
  expect(schema(name).properties[key]?.maximum).toBe(maximum);
  const check = (value: number) => validateOptions(schema(name) as never, { [key]: value }, 'check', 'mssql');
  expect(() => check(maximum)).not.toThrow();
  expect(() => check(maximum + 1)).toThrow(ValidationError);
});

it('the backup set limit is the exported MAX_BACKUP_SET_NUMBER, the timers MAX_TIMER_MS', () => {
  expect(engine.MAX_BACKUP_SET_NUMBER).toBe(2 ** 15 - 1);
  expect(schema('MSSQLConfigSchema').properties.connectTimeoutMs?.maximum).toBe(MAX_TIMER_MS);
  expect(schema('MSSQLConfigSchema').properties.requestTimeoutMs?.maximum).toBe(MAX_TIMER_MS);
});
