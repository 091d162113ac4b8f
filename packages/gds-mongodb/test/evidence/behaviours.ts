// The documented server behaviours the MongoDB provider and the wire simulator follow, as data
// (server-behaviours.json: the page or source file each comes from, and the rule), for tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One documented behaviour. */
export interface Behaviour {
  /** Where it is documented: repository and path. */
  sources: Array<{ repo: string; path: string }>;
  /** The rule, in short. */
  rule: string;
  /** Where the simulator reproduces it. */
  simulator: string;
  /** What gds does about it. */
  gds: string;
}

/** Every behaviour, by key. */
export const BEHAVIOURS = JSON.parse(readFileSync(join(__dirname, 'server-behaviours.json'), 'utf8')) as Record<string, Behaviour>;
