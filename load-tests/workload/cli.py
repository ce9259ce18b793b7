"""Tally's standard workload (docs/benchmark.md): generator, expected outcomes, scenario runner.

Subcommands:
  generate --n N --version V [--dirty] --out FILE   write the workload lines
  expect   --scenario S --n N                       expected final totals, as JSON
  run      --scenario S|all --n N [...]             prepare the table, upload through Tally, check
  selftest --db URL [--n N]                         check generator, model and checksums on a scratch db
  bench    [--n N] [--rounds R] [...]               start Tally, run the scenarios and the COPY baselines
                                                    side by side, print one table, add it to RESULTS.md

Standard library only. The expected outcomes come from a line-by-line model of the API's rules
(parse, convert, apply in file order), cross-checked against closed-form counts.
"""

import argparse
import json
import sys
import time

from .bench import BENCH_SCENARIOS, DEFAULT_SCENARIOS, DEFAULT_SERVER, cmd_bench
from .common import DEFAULT_DB, DEFAULT_TOKEN, DEFAULT_URL, HERE, log, write_atomically
from .db import DbError
from .lines import ndjson_chunks
from .run import cmd_run
from .scenarios import SCENARIOS, Scenario
from .selftest import cmd_selftest
from .service import BenchError


def cmd_generate(args):
    if args.n < 0 or args.version not in (0, 1):
        raise SystemExit("--n must be >= 0 and --version 0 or 1")
    t = time.monotonic()
    chunks = ndjson_chunks(args.n, args.version, args.dirty)
    if args.out == "-":
        for c in chunks:
            sys.stdout.write(c)
    else:
        write_atomically(args.out, chunks)
    log(f"{args.n} lines in {time.monotonic() - t:.2f} s")
    return 0


def cmd_expect(args):
    print(json.dumps(Scenario(args.scenario, args.n).expectation()["totals"]))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("generate", help="write the standard workload lines")
    g.add_argument("--n", type=int, required=True)
    g.add_argument("--version", type=int, required=True, help="0 or 1")
    g.add_argument("--dirty", action="store_true", help="apply S5's rules")
    g.add_argument("--out", required=True, help="file, or - for stdout")
    g.set_defaults(fn=cmd_generate)

    e = sub.add_parser("expect", help="expected final totals of a scenario, as JSON")
    e.add_argument("--scenario", required=True, choices=list(SCENARIOS))
    e.add_argument("--n", type=int, required=True)
    e.set_defaults(fn=cmd_expect)

    r = sub.add_parser("run", help="prepare, upload through Tally, check")
    r.add_argument("--scenario", required=True, choices=list(SCENARIOS) + ["all"],
                   help="all = S1..S5; M10 (10N lines) runs only when named")
    r.add_argument("--n", type=int, required=True)
    r.add_argument("--url", default=DEFAULT_URL)
    r.add_argument("--token", default=DEFAULT_TOKEN,
                   help="sent as Authorization: Bearer; needs write:customers or admin "
                        "(default: the demo profile's %(default)s)")
    r.add_argument("--db", default=DEFAULT_DB)
    r.add_argument("--data-dir", default=str(HERE / "data"))
    r.add_argument("--pid", type=int, help="the service's process, for peak RSS")
    r.add_argument("--chunk-size", type=int, help="passed as chunkSize (default: the server's)")
    r.add_argument("--timeout", type=float, default=3600, help="seconds before an upload is killed")
    r.add_argument("--json-out", help="also write the results as JSON")
    r.set_defaults(fn=cmd_run)

    s = sub.add_parser("selftest", help="generator, model and checksum checks on a scratch database "
                                        "(creates and TRUNCATEs its customers table)")
    s.add_argument("--db", required=True)
    s.add_argument("--n", type=int, default=1000)
    s.add_argument("--data-dir", default=str(HERE / "data"))
    s.set_defaults(fn=cmd_selftest)

    b = sub.add_parser("bench", help="the benchmark: start Tally, run the scenarios and the "
                                      "COPY baselines in interleaved rounds, report and record")
    b.add_argument("--n", type=int, default=1_000_000)
    b.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the scenarios (at least 3)")
    b.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS),
                   help="comma-separated, of " + ",".join(BENCH_SCENARIOS) + "; M10 runs once, after the rounds; "
                        "B2 adds the Python recipe (SQLAlchemy, psycopg2) beside B1 on S1..S4")
    b.add_argument("--jar", default="target/tally-*.jar", help="built with ./mvnw if nothing matches")
    b.add_argument("--xmx", default="256m", help="Tally's -Xmx")
    b.add_argument("--out", default=str(HERE / "RESULTS.md"), help="history file the run is added to ('' for none)")
    b.add_argument("--token", default=DEFAULT_TOKEN,
                   help="sent as Authorization: Bearer to the Tally the bench starts with the demo profile "
                        "(default: that profile's %(default)s)")
    b.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server, as a libpq URL without database")
    b.add_argument("--data-dir", default=str(HERE / "data"))
    b.add_argument("--timeout", type=float, default=3600, help="seconds before an upload is killed")
    b.add_argument("--warmup", type=int, default=500_000,
                   help="lines per scenario of an unmeasured first pass on the fresh JVM (0: none)")
    b.add_argument("--jvm-opts", default="-XX:+UseParallelGC",
                   help="Tally's other JVM options (default: the collector the README recommends)")
    b.add_argument("--keep", action="store_true", help="keep the tally_bench_* database")
    b.add_argument("--json-out", help="also write every figure as JSON")
    b.set_defaults(fn=cmd_bench)

    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return args.fn(args)
    except (BenchError, DbError) as e:
        log(f"error: {e}")
        return 2
