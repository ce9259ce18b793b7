"""Tally's standard workload (docs/benchmark.md) as a package; `load-tests/workload.py` is its command line.

Modules, by concern:
  common     defaults, the totals' names, file writing, logging
  lines      the workload's lines and preload rows (deterministic)
  model      one line at a time, as docs/api.md describes its outcome
  scenarios  S1..S5 and M10: closed-form counts and the expected table's checksum
  db         psql: preparing the table, checksums, row versions
  data       generated files and cached expectations in the data directory
  upload     one upload through curl, read event by event, with the size of each chunk
  run        `run`: prepare, upload, check, report per scenario
  service    the Tally a benchmark starts: JDK, jar, process
  baselines  B0 (COPY) and B1 (COPY + one INSERT ... ON CONFLICT ... RETURNING)
  parallel   C8 and C32: S1's lines as 8 or 32 uploads at once, and B1 as as many parallel sessions
  b2         B2, the common Python recipe (b2_recipe.py: SQLAlchemy Core over psycopg2), when installed
  report     medians, ratios, targets, the table and RESULTS.md
  report_concurrency  the same for C8 and C32
  bench      `bench`: the whole benchmark in one command
  selftest   `selftest`: the generator, the model and the checksums against PostgreSQL
  cli        the subcommands and their options
"""
