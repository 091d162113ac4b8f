#!/usr/bin/env python3
# Why gds's default backup is slower than the sqlite3 command's .backup: the destination
# connection's page cache. Python's sqlite3 module (the system's libsqlite3, the same library the
# sqlite3 command uses) runs the command's loop (100 pages a step) into a destination connection
# whose cache is SQLite's default (2 MB, as the command has) or better-sqlite3's (16 MB, which its
# backup() gives the destination it opens itself). Medians and minimums of N runs, interleaved.
#
#   python3 packages/gds-sqlite/bench/dest-cache.py <source.db> <scratch-target.db> [runs=20]
import os, sqlite3, statistics, sys, time

src, dst = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20


def run(cache):
    if os.path.exists(dst):
        os.remove(dst)
    s, d = sqlite3.connect(src), sqlite3.connect(dst)
    d.execute(f'PRAGMA cache_size={cache}')
    t = time.perf_counter()
    s.backup(d, pages=100)
    elapsed = time.perf_counter() - t
    s.close()
    d.close()
    return elapsed * 1000


times = {-2000: [], -16000: []}
for i in range(runs):
    for cache in (list(times) if i % 2 else list(reversed(list(times)))):
        times[cache].append(run(cache))
os.remove(dst)
for cache, ts in times.items():
    print(f'SQLite {sqlite3.sqlite_version}, destination cache_size={cache}: median {statistics.median(ts):.0f} ms, min {min(ts):.0f} ms')
print(f'ratio 16 MB / 2 MB destination cache: {statistics.median(times[-16000]) / statistics.median(times[-2000]):.3f}x by median')
