"""`bench`: the benchmark in one command. Starts Tally on a fresh database, runs the scenarios in
interleaved rounds, each Tally upload followed by its baselines on the same server and table, then
M10 once. Prints one table, appends the run to RESULTS.md."""

import argparse
import datetime as dt
import json
import shlex
import shutil
import signal
import sys
import time
from pathlib import Path

from .b2 import B2_SCENARIOS, find_b2_python, run_b2
from .baselines import run_baseline, upload_csv
from .common import log
from .data import ensure_file, ensure_upload, expectation
from .db import DbError, psql, sql_literal
from .lines import preload_csv_chunks
from .report import (
    RAW_COLUMNS, RESULT_COLUMNS, TARGETS_NOTE, git_commit, load_average, m10_line, machine_info,
    markdown_table, raw_cells, redacted, result_cells, results_section, summarize, targets, write_results,
)
from .parallel import CONCURRENT, ensure_parts, run_b1_parallel, run_concurrent
from .report_concurrency import (
    CONC_COLUMNS, CONC_RAW_COLUMNS, concurrent_cells, concurrent_raw_cells, summarize_concurrent,
)
from .run import fmt, run_scenario
from .scenarios import Scenario
from .service import BenchError, TallyProcess, ensure_jar, find_jdk


BENCH_SCENARIOS = ("S1", "S2", "S3", "S4", "S5", "C8", "C32", "M10")
DEFAULT_SCENARIOS = ("S1", "S2", "S3", "S4", "S5", "M10")
B2 = "B2"  # not a scenario: runs the Python recipe beside B1 on S1..S4
B0_SCENARIOS = ("S1",)
B1_SCENARIOS = ("S1", "S2", "S3", "S4")
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
# Tally's defaults for uploads at once (docs/operations.md, Limits): C32 needs more from its one caller
MAX_UPLOADS_PER_TOKEN, MAX_UPLOADS_PER_DATASET = 16, 32


def limit_args(names):
    """Tally's options that admit as many uploads at once as the concurrency scenarios send, and no others."""
    k = max((CONCURRENT[x] for x in names if x in CONCURRENT), default=0)
    return ([f"--tally.limits.max-uploads-per-token={k}"] if k > MAX_UPLOADS_PER_TOKEN else []) \
        + ([f"--tally.limits.max-uploads-per-dataset={k}"] if k > MAX_UPLOADS_PER_DATASET else [])


def cmd_bench(args):
    t_start = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that Tally is stopped and the database dropped
    names = [x.strip() for x in args.scenarios.split(",") if x.strip()]
    unknown = [x for x in names if x not in BENCH_SCENARIOS + (B2,)]
    with_b2 = B2 in names
    names = [x for x in BENCH_SCENARIOS if x in names]  # the standard order
    if unknown or not names:
        raise SystemExit(f"--scenarios: {f'unknown {unknown}' if unknown else 'no scenario (B2 only adds a baseline)'}; "
                         f"choose from {','.join(BENCH_SCENARIOS + (B2,))}")
    per_round = [x for x in names if x != "M10"]
    if args.rounds < 1 or args.n < 1:
        raise SystemExit("--rounds and --n must be >= 1")
    if args.rounds < 3:
        log(f"warning: {args.rounds} round(s); the benchmark's figures need at least 3")
    data_dir = Path(args.data_dir)
    stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    db_name = f"tally_bench_{stamp}"
    server = args.server.rstrip("/")
    db = f"{server}/{db_name}"
    admin = f"{server}/postgres"

    # everything that is not measured comes first: jar, JDK, files, expectations
    jar = ensure_jar(args.jar)
    java, java_version = find_jdk()
    warmup = min(args.warmup, args.n)
    b2_python, b2_info = find_b2_python() if with_b2 else (None, None)
    if with_b2:
        log(f"B2 with {b2_info}" if b2_python else b2_info)
    for name, n in [(x, args.n) for x in names] + [(x, warmup) for x in per_round if warmup]:
        if name in CONCURRENT:
            ensure_parts(n, CONCURRENT[name], data_dir)
            expectation(Scenario("S1", n), data_dir)
            continue
        sc = Scenario(name, n)
        ensure_upload(sc, data_dir)
        if sc.preload:
            keys, v = sc.preload
            ensure_file(data_dir / f"preload-v{v}-{keys}.csv", lambda: preload_csv_chunks(keys, v))
        if name in B0_SCENARIOS or name in B1_SCENARIOS:
            upload_csv(sc, data_dir)
        expectation(sc, data_dir)
    if psql(admin, f"SELECT count(*) FROM pg_database WHERE datname = {sql_literal(db_name)}")[0] != "0":
        raise BenchError(f"database {db_name} exists already")
    meta = dict(machine_info(server, java, java_version), n=args.n, rounds=args.rounds, xmx=args.xmx, jvm_opts=args.jvm_opts, warmup=warmup,
                commit=git_commit(), load_start=load_average(), b2=b2_info, app_args=" ".join(limit_args(names)),
                date=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                command=" ".join(shlex.quote(a) for a in ["python3", "load-tests/workload.py"] + redacted(args.argv)))
    # A private copy of the jar: a rebuild during the run cannot change it, and `pgrep -f tally-0.1.0`
    # (docs/benchmark.md's way to find a Tally for `run --pid`) does not match, or kill, this one.
    run_jar = data_dir / f"bench-{stamp}.jar"
    shutil.copyfile(jar, run_jar)
    tally = TallyProcess(java, run_jar, args.xmx, args.jvm_opts, server, db_name, data_dir / f"bench-{stamp}.log",
                         limit_args(names))
    rounds, warmups, m10_run = [], [], None
    try:
        log(f"starting Tally: {jar} (as {run_jar.name}) with {java} -Xmx{args.xmx} {meta['app_args']}, database {db_name}, "
            f"log {tally.log_path}")
        url = tally.start()
        log(f"Tally is up at {url} (pid {tally.proc.pid})")
        ns = argparse.Namespace(n=args.n, db=db, url=url, token=args.token, pid=tally.proc.pid, timeout=args.timeout,
                                chunk_size=None)
        if warmup:
            # a fresh JVM runs its first upload several times slower (class loading, JIT): not a figure
            wns = argparse.Namespace(**dict(vars(ns), n=warmup, pid=None))
            for name in per_round:
                log(f"--- warm-up {name} N={warmup} (not measured)")
                w = (run_concurrent if name in CONCURRENT else run_scenario)(name, wns, data_dir)
                w["notes"] += [] if w["totals_ok"] and w["table_ok"] else ["warm-up checks failed"]
                warmups.append({"round": "warm-up", "tally": w})
        for r in range(1, args.rounds + 1):
            for name in per_round:
                if not tally.alive():
                    raise BenchError(f"Tally exited {tally.proc.returncode}; its log ends:\n{tally.log_tail()}")
                if name in CONCURRENT:
                    k = CONCURRENT[name]
                    log(f"--- round {r}/{args.rounds} {name}: {k} uploads of N/{k} at once through Tally")
                    entry = {"round": r, "tally": run_concurrent(name, ns, data_dir)}
                    log(f"--- round {r}/{args.rounds} {name}: B1 as {k} parallel sessions")
                    entry["B1"] = run_b1_parallel(name, args.n, db, data_dir)
                    rounds.append(entry)
                    log(f"    Tally {fmt(entry['tally']['rows_per_s'], ',.0f')} rows/s (first event max "
                        f"{fmt(entry['tally']['first_chunk_max'], '.3f')} s, smallest chunk "
                        f"{fmt(entry['tally']['min_chunk'], 'd')}) | B1x{k} {fmt(entry['B1']['rows_per_s'], ',.0f')} rows/s")
                    continue
                sc = Scenario(name, args.n)
                log(f"--- round {r}/{args.rounds} {name} N={args.n}: Tally")
                entry = {"round": r, "tally": run_scenario(name, ns, data_dir, row_versions=name == "S4")}
                exp = expectation(sc, data_dir)
                if name in B0_SCENARIOS:
                    log(f"--- round {r}/{args.rounds} {name}: B0 (COPY)")
                    entry["B0"] = run_baseline("B0", sc, db, data_dir, exp)
                if name in B1_SCENARIOS:
                    log(f"--- round {r}/{args.rounds} {name}: B1 (COPY + INSERT ... ON CONFLICT)")
                    entry["B1"] = run_baseline("B1", sc, db, data_dir, exp, row_versions=name == "S4")
                if b2_python and name in B2_SCENARIOS:
                    log(f"--- round {r}/{args.rounds} {name}: B2 (SQLAlchemy insert().values(1000 rows) ... RETURNING)")
                    entry["B2"] = run_b2(b2_python, sc, db, data_dir, exp, row_versions=name == "S4")
                rounds.append(entry)
                log(f"    " + " | ".join(f"{k} {fmt(v['rows_per_s'], ',.0f')} rows/s" for k, v in
                                       (("Tally", entry["tally"]), ("B0", entry.get("B0")), ("B1", entry.get("B1")),
                                        ("B2", entry.get("B2"))) if v))
        if "M10" in names:
            if not tally.alive():
                raise BenchError(f"Tally exited {tally.proc.returncode}; its log ends:\n{tally.log_tail()}")
            log(f"--- M10: {10 * args.n} lines through Tally")
            m10_run = {"round": "-", "tally": run_scenario("M10", ns, data_dir)}
    finally:
        tally.stop()
        run_jar.unlink()
        if args.keep:
            log(f"kept database {db_name}")
        else:
            try:
                psql(admin, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            except DbError as e:
                log(f"could not drop {db_name}: {e}")

    meta.update(load_end=load_average(), minutes=(time.monotonic() - t_start) / 60)
    by_name, summary = {}, []
    for name in names:
        data = [m10_run] if name == "M10" else [e for e in rounds if e["tally"]["scenario"] == name]
        if name in CONCURRENT:
            s = summarize_concurrent(name, data, rounds)
        else:
            s = summarize(name, [d for d in data if d], by_name, args.xmx)
        by_name[name] = s
        summary.append(s)
    for s in summary:  # S5's target needs S3's figure, which may come later in a custom order
        if s["scenario"] not in CONCURRENT:
            s["targets"] = targets(s, by_name)
    plain = [s for s in summary if s["scenario"] not in CONCURRENT]
    conc = [s for s in summary if s["scenario"] in CONCURRENT]
    table = markdown_table(RESULT_COLUMNS, [result_cells(s) for s in plain]) if plain else ""
    m10 = m10_line(by_name.get("M10"), args.xmx)
    plain_rounds = [e for e in rounds if e["tally"]["scenario"] not in CONCURRENT] + ([m10_run] if m10_run else [])
    conc_rounds = [e for e in rounds if e["tally"]["scenario"] in CONCURRENT]
    raw = "\n\n".join(x for x in (
        markdown_table(RAW_COLUMNS, [raw_cells(e) for e in plain_rounds]) if plain_rounds else "",
        markdown_table(CONC_RAW_COLUMNS, [concurrent_raw_cells(e) for e in conc_rounds]) if conc_rounds else "")
        if x)
    extra = [markdown_table(CONC_COLUMNS, [concurrent_cells(s) for s in conc])] if conc else []
    print(table)
    for block in extra:
        print()
        print(block)
    if m10:
        print(m10)
    print(TARGETS_NOTE)
    notes = [(e["round"], e["tally"]["scenario"], " / ".join(n.splitlines()))
             for e in warmups + rounds + ([m10_run] if m10_run else [])
             for m in (e["tally"], e.get("B0"), e.get("B1"), e.get("B2")) if m for n in m["notes"]
             if not n.startswith(("new row versions:", "RSS after N"))]
    for rnd, name, note in notes:
        print(f"  round {rnd} {name}: {note}")
    sys.stdout.flush()
    if args.out:
        section = results_section(meta, table, m10, raw, extra)
        if notes:
            section += "\nProblems:\n\n" + "\n".join(f"- round {r} {n}: {x}" for r, n, x in notes) + "\n"
        write_results(args.out, section)
        log(f"wrote this run to {args.out}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"meta": meta, "summary": summary, "rounds": rounds,
                                                   "m10": m10_run}, indent=2, default=str) + "\n")
    warm_ok = all(w["tally"]["totals_ok"] and w["tally"]["table_ok"] for w in warmups)
    return 0 if warm_ok and all(s["counts_ok"] and s["table_ok"] for s in summary) else 1
