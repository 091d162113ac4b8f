// Adversarial: reads with timeouts mixed with reads without, on one manager, against a real
// PostgreSQL 15 (issue 12, item 8). A cancel sent for one query must never touch another: no
// wrong answer, no driver parse error, no cancellation without a signal; and a timeout rejects
// at its deadline, not after the runner's cancel grace.
// Set GDS_TEST_TIMINGS=1 to print the counts and times measured.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { DatabaseManager, OperationTimeoutError } from '@gds/database';
import { findPostgresBinaries, postgresMissingReason, startPostgres, type PostgresCluster } from '@gds/testkit';
import '../src/index.js';
import type { PostgreSQLConnection } from '../src/index.js';

const binaries = findPostgresBinaries();
const describePg = binaries ? describe : describe.skip;
if (!binaries) console.log(`skipping PostgreSQL concurrency safety tests: ${postgresMissingReason()}`);

const DATABASES = ['c_one', 'c_two', 'c_three', 'c_four', 'c_five'];
const ROUNDS = 5;
const PER_ROUND = 200;

describePg('concurrent reads with timeouts on one manager (real PostgreSQL)', () => {
  let cluster: PostgresCluster;
  let manager: DatabaseManager;
  let pg: PostgreSQLConnection;

  beforeAll(async () => {
    cluster = await startPostgres();
    // the default prepareStatements (true) is what went wrong
    manager = await DatabaseManager.connect(cluster.primary.url('postgres'));
    pg = manager.connection as PostgreSQLConnection;
    expect(pg.config.prepareStatements).toBe(true);
    for (const name of DATABASES) await manager.getDatabase(name).create();
  }, 120_000);

  afterAll(async () => {
    await manager?.close();
    await cluster?.stop();
  }, 60_000);

  it(
    'a cancel meant for one query never touches another: no wrong answers, parse errors or unasked cancellations',
    async () => {
      const counts = { reads: 0, timedReads: 0, wrongAnswers: 0, parseOrOtherErrors: 0, cancelledWithoutSignal: 0, timedOut: 0, timedAnswered: 0, timedOtherErrors: 0, maxTimedRejectMs: 0 };
      const samples: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          Array.from({ length: PER_ROUND }, async (_, i) => {
            const name = DATABASES[i % DATABASES.length]!;
            const d = manager.getDatabase(name);
            if (i % 4 === 3) {
              counts.timedReads++;
              const t0 = performance.now();
              try {
                const exists = await d.exists({ timeoutMs: 1 });
                counts.timedAnswered++;
                if (exists !== true) counts.wrongAnswers++;
              } catch (error) {
                counts.maxTimedRejectMs = Math.max(counts.maxTimedRejectMs, performance.now() - t0);
                if (error instanceof OperationTimeoutError) counts.timedOut++;
                else {
                  counts.timedOtherErrors++;
                  if (samples.length < 5) samples.push(`timed: ${String(error)}`);
                }
              }
              return;
            }
            counts.reads++;
            try {
              const exists = i % 2 === 0 ? await d.exists() : (await d.getMetadata()).name === name;
              if (exists !== true) counts.wrongAnswers++;
            } catch (error) {
              const code = (error as { serverCode?: string }).serverCode;
              if (code === '57014' || /cancel/i.test(String(error))) counts.cancelledWithoutSignal++;
              else counts.parseOrOtherErrors++;
              if (samples.length < 5) samples.push(String(error));
            }
          }),
        );
      }
      if (process.env.GDS_TEST_TIMINGS) console.log(`concurrency.safety counts: ${JSON.stringify(counts)} ${samples.join(' | ')}`);
      expect(samples).toEqual([]);
      expect(counts).toMatchObject({ wrongAnswers: 0, parseOrOtherErrors: 0, cancelledWithoutSignal: 0, timedOtherErrors: 0 });
      expect(counts.reads).toBe((ROUNDS * PER_ROUND * 3) / 4);
      // timeoutMs: 1 rejects at its deadline even while 150 other reads are queued (the ~5 s cancel
      // grace was the bug); half of that grace leaves room for a loaded machine (2-3x slower, with
      // 150 reads in the same event loop) and still tells the bug apart
      expect(counts.maxTimedRejectMs).toBeLessThan(2_500);

      // the server's state afterwards: every database still there, and the manager's untimed
      // sessions still answer correctly (no session left with a cancel pending)
      const names = (await manager.listDatabases()).map((d) => d.name);
      for (const name of DATABASES) expect(names).toContain(name);
      for (let i = 0; i < 50; i++) expect(await manager.getDatabase(DATABASES[i % DATABASES.length]!).exists()).toBe(true);
      expect(await manager.getDatabase('c_missing').exists()).toBe(false);
      // and no session was leaked: the shared pool plus at most maxConnections sessions of their
      // own (a cancelled one is closed, not left connected)
      const open = await pg.query<{ n: string }>("select count(*) as n from pg_catalog.pg_stat_activity where backend_type = 'client backend' and application_name = $1", [pg.config.applicationName]);
      expect(Number(open[0]!.n)).toBeLessThanOrEqual(2 * pg.config.maxConnections);
    },
    120_000,
  );

  it('a timeout rejects at its deadline, not after the cancel grace', async () => {
    const d = manager.getDatabase(DATABASES[0]!);
    // a read the server holds for 30 s: pg_sleep inside the session, then a timeout of 200 ms
    const started = performance.now();
    const signal = AbortSignal.timeout(200);
    const slow = await pg.query('select pg_catalog.pg_sleep(30)', [], { signal }).then(
      () => 'answered',
      (error: unknown) => error,
    );
    expect(slow).toBe(signal.reason);
    const sleepRejectMs = performance.now() - started;

    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await d.exists({ timeoutMs: 1 }).catch((error: unknown) => {
        expect(error).toBeInstanceOf(OperationTimeoutError);
      });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    if (process.env.GDS_TEST_TIMINGS) console.log(`concurrency.safety time-to-reject: pg_sleep(30) with 200 ms -> ${Math.round(sleepRejectMs)} ms; exists({timeoutMs:1}) max ${times.at(-1)!.toFixed(1)} ms`);
    // not the answer (30 s) and not the ~5 s cancel grace: half of that grace, for a loaded machine
    expect(sleepRejectMs).toBeLessThan(2_500);
    expect(times.at(-1)!).toBeLessThan(2_500);

    // the server is not still running the cancelled sleep (it was cancelled, not abandoned)
    let running = 1;
    for (let i = 0; i < 500 && running > 0; i++) {
      const rows = await pg.query<{ n: string }>("select count(*) as n from pg_catalog.pg_stat_activity where query like 'select pg_catalog.pg_sleep(30)%' and state = 'active' and pid <> pg_catalog.pg_backend_pid()");
      running = Number(rows[0]!.n);
      if (running > 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(running).toBe(0); // well before the 30 s sleep would have ended by itself
  }, 60_000);
});
