"""C8 and C32: S1's lines as k contiguous parts uploaded at once, and B1 run as k parallel sessions.

The parts have distinct keys, so together they must end exactly as S1 does: N inserted, the same table. The
aggregate figure is N / (first request started -> last final event), or for B1 x k, N / (first psql started ->
last psql exited)."""

import statistics
import subprocess
import threading
import time
from pathlib import Path

from .baselines import b1_script, b1_totals, upload_csv
from .common import TOTAL_KEYS, log, write_atomically
from .data import ensure_upload, expectation
from .db import DbError, prepare_table
from .run import check_table
from .scenarios import Scenario
from .upload import RssPoller, upload

CONCURRENT = {"C8": 8, "C32": 32}


def bounds(n, k):
    """1-based (first key, last key) of each of k contiguous parts of 1..n; sizes differ by at most one."""
    return [(j * n // k + 1, (j + 1) * n // k) for j in range(k)]


def part_totals(lo, hi):
    t = dict.fromkeys(TOTAL_KEYS, 0)
    t["received"] = t["inserted"] = hi - lo + 1
    return t


def split_lines(src, dests, sizes):
    """Write the lines of src to dests, sizes[j] lines to dests[j], in order."""
    with open(src, encoding="utf-8", newline="") as f:
        for dest, size in zip(dests, sizes):
            def take(size=size):
                for _ in range(size):
                    yield f.readline()
            write_atomically(dest, take())


def ensure_parts(n, k, data_dir):
    """The NDJSON and CSV parts of S1's N lines, made from S1's files (which are made first if missing)."""
    sc = Scenario("S1", n)
    sizes = [hi - lo + 1 for lo, hi in bounds(n, k)]
    out = {}
    for ext, src in (("ndjson", ensure_upload(sc, data_dir)), ("csv", upload_csv(sc, data_dir))):
        dests = [Path(data_dir) / f"v0-{n}-part{j + 1}of{k}.{ext}" for j in range(k)]
        if not all(d.exists() for d in dests):
            t = time.monotonic()
            split_lines(src, dests, sizes)
            log(f"split {src.name} into {k} parts in {time.monotonic() - t:.1f} s")
        out[ext] = [d.resolve() for d in dests]
    return out


def chunk_figures(res, last_line):
    """(smallest chunk's lines, its chunk events merged from several chunks) of one upload. The chunk that ends
    the upload is left out of the smallest unless it is the only one: the end of the input cut it."""
    single = [(lines, last) for lines, last, one in res["chunk_lines"] if one]
    inner = [lines for lines, last in single if last != last_line] or [lines for lines, _ in single]
    return (min(inner) if inner else None), sum(1 for *_, one in res["chunk_lines"] if not one)


def run_concurrent(name, args, data_dir):
    """k uploads through Tally at once, each of its own part; checks each upload's totals and the table."""
    k, n = CONCURRENT[name], args.n
    sc = Scenario("S1", n)
    row = {"scenario": name, "uploads": k, "n": n, "policy": "skip", "seconds": None, "rows_per_s": None,
           "first_chunk": None, "first_chunk_max": None, "min_chunk": None, "chunks": None, "merged_events": 0,
           "totals_ok": False, "table_ok": False, "peak_rss_mb": None, "notes": [], "uploads_detail": []}
    parts = ensure_parts(n, k, data_dir)["ndjson"]
    exp = expectation(sc, data_dir)
    try:
        prepare_table(args.db, sc, data_dir)
    except DbError as e:
        row["notes"].append(f"table preparation failed: {e}")
        return row
    rss = RssPoller(args.pid) if args.pid else None
    if rss:
        rss.start()
    results, gate = [None] * k, threading.Barrier(k)

    def one(j):
        gate.wait()  # every curl starts at once
        results[j] = upload(args.url, args.token, parts[j], "skip", args.timeout, args.chunk_size)

    threads = [threading.Thread(target=one, args=(j,)) for j in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if rss:
        row["peak_rss_mb"] = rss.stop() / 1024
    ok = True
    for j, ((lo, hi), res) in enumerate(zip(bounds(n, k), results)):
        want, final = part_totals(lo, hi), res["final"] or {}
        totals = {x: (final.get("totals") or {}).get(x) for x in TOTAL_KEYS}
        smallest, merged = chunk_figures(res, hi - lo + 1)
        row["uploads_detail"].append({"part": j + 1, "lines": hi - lo + 1, "seconds": res["seconds"],
                                      "first_chunk": res["first_chunk"], "min_chunk": smallest,
                                      "chunks": final.get("chunks"), "merged_events": merged, "job": res["job"]})
        row["merged_events"] += merged
        problems = list(res["problems"])
        if final.get("event") != "completed" or final.get("error"):
            problems.append(f"final event {final.get('event')}: error {final.get('error')}")
        if totals != want:
            problems.append(f"totals {totals}, expected {want}")
        if res["chunk_sum"] != totals:
            problems.append(f"chunk events' counts sum to {res['chunk_sum']}, final totals {totals}")
        if problems:
            ok = False
            row["notes"] += [f"upload {j + 1}/{k} (keys {lo}..{hi}): {p}" for p in problems]
    row["totals_ok"] = ok
    ends = [r["started"] + r["seconds"] for r in results if r["seconds"] is not None]
    if len(ends) == k:
        row["seconds"] = max(ends) - min(r["started"] for r in results)
        row["rows_per_s"] = n / row["seconds"]
    firsts = [u["first_chunk"] for u in row["uploads_detail"] if u["first_chunk"] is not None]
    if len(firsts) == k:
        row["first_chunk"], row["first_chunk_max"] = statistics.median(firsts), max(firsts)
    smallest = [u["min_chunk"] for u in row["uploads_detail"] if u["min_chunk"] is not None]
    row["min_chunk"] = min(smallest, default=None)
    chunks = [u["chunks"] for u in row["uploads_detail"] if u["chunks"] is not None]
    row["chunks"] = (min(chunks), max(chunks)) if chunks else None
    row["table_ok"], note = check_table(args.db, sc, exp)
    if note:
        row["notes"].append(note)
    return row


def run_b1_parallel(name, n, db, data_dir):
    """B1 as k psql sessions at once, each COPYing its part into its own temporary table and merging it with
    one INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING; the same checks as B1's."""
    k = CONCURRENT[name]
    sc = Scenario("S1", n)
    m = {"kind": f"B1x{k}", "scenario": name, "seconds": None, "rows_per_s": None, "counts_ok": False,
         "table_ok": False, "totals": None, "notes": []}
    exp = expectation(sc, data_dir)
    csvs = ensure_parts(n, k, data_dir)["csv"]
    scripts = []
    for j, csv_path in enumerate(csvs):
        script = Path(data_dir) / f"b1-{name}-{n}-part{j + 1}.sql"
        write_atomically(script, [b1_script(csv_path, "skip")])
        scripts.append(script)
    try:
        prepare_table(db, sc, data_dir)
    except DbError as e:
        m["notes"].append(f"B1x{k} failed: {e}")
        return m
    t0 = time.monotonic()
    procs = [subprocess.Popen(["psql", db, "-X", "-v", "ON_ERROR_STOP=1", "-At", "-F", " ", "-f", str(s)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in scripts]
    outs = [p.communicate() for p in procs]
    secs = time.monotonic() - t0
    totals, ok = dict.fromkeys(TOTAL_KEYS, 0), True
    for j, ((lo, hi), p, (out, err)) in enumerate(zip(bounds(n, k), procs, outs)):
        try:
            if p.returncode != 0:
                raise DbError(err.strip() or f"psql exited {p.returncode}")
            t = b1_totals(out.splitlines(), "skip")
        except DbError as e:
            m["notes"].append(f"B1x{k} session {j + 1} failed: {e}")
            return m
        if t != part_totals(lo, hi):
            ok = False
            m["notes"].append(f"B1x{k} session {j + 1} counts {t}, expected {part_totals(lo, hi)}")
        for x in TOTAL_KEYS:
            totals[x] += t[x]
    m["seconds"], m["rows_per_s"], m["totals"] = secs, n / secs, totals
    m["counts_ok"] = ok and totals == exp["totals"]
    if totals != exp["totals"]:
        m["notes"].append(f"B1x{k} counts {totals}, expected {exp['totals']}")
    m["table_ok"], note = check_table(db, sc, exp)
    if note:
        m["notes"].append(f"B1x{k} {note}")
    return m
