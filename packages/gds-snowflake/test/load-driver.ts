// Loads snowflake-sdk before a test file's tests and hooks. The first connect of a file would load
// it (the heaviest driver here: about a second cold, several under CI load), inside a test's or a
// hook's time (jest's default is 5 s) and inside any duration the test measures.
import { beforeAll } from '@jest/globals';
import { loadSnowflakeSdk } from '../src/snowflake-driver.js';

/** Declares a `beforeAll` (call it before the file's other hooks) that loads the driver, with 60 s for it. */
export function loadDriverFirst(): void {
  beforeAll(() => loadSnowflakeSdk('OFF'), 60_000);
}
