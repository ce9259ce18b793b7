"""`run`: prepare the table, upload through Tally, check the totals and the table, print one line per scenario."""

import json
import sys
from pathlib import Path

from .common import TOTAL_KEYS, log
from .cpu import CpuMeter
from .data import ensure_upload, expectation
from .db import (
    DbError, compare_blocks, count_new_row_versions, differing_rows, prepare_table, snapshot_row_versions,
    table_blocks,
)
from .scenarios import ALL, Scenario
from .upload import RssPoller, upload


def run_scenario(name, args, data_dir, row_versions=False):
    """Prepare the table, upload through Tally, check. With row_versions, also count the rows whose
    version (ctid, xmin) the upload replaced or added: 0 means the upload wrote no row."""
    sc = Scenario(name, args.n)
    row = {"scenario": name, "n": sc.lines, "policy": sc.policy, "seconds": None, "rows_per_s": None,
           "first_chunk": None, "totals_ok": False, "table_ok": False, "peak_rss_mb": None, "notes": []}
    path = ensure_upload(sc, data_dir)
    exp = expectation(sc, data_dir)
    try:
        prepare_table(args.db, sc, data_dir)
        if row_versions:
            snapshot_row_versions(args.db)
    except DbError as e:
        row["notes"].append(f"table preparation failed: {e}")
        return row
    rss = RssPoller(args.pid) if args.pid else None
    if rss:
        rss.start()
    cpu = CpuMeter(args.pid, args.db) if args.pid else None
    res = upload(args.url, args.token, path, sc.policy, args.timeout, args.chunk_size, rss,
                 rss_mark=sc.n if name == "M10" else None)
    if cpu:
        row.update(cpu.stop())
    if rss:
        row["peak_rss_mb"] = rss.stop() / 1024
        if name == "M10":
            marks = res["rss_marks"]
            row["rss_marks_mb"] = {k: kb / 1024 for k, kb in sorted(marks.items())}
            row["rss_after_n_mb"] = marks[1] / 1024 if 1 in marks else None
            row["rss_after_10n_mb"] = marks[10] / 1024 if 10 in marks else None
            row["notes"].append(f"RSS after N lines {fmt(row['rss_after_n_mb'], '.0f')} MB, "
                                f"after 10N {fmt(row['rss_after_10n_mb'], '.0f')} MB")
    if row_versions:
        try:
            row["new_row_versions"] = count_new_row_versions(args.db)
            row["notes"].append(f"new row versions: {row['new_row_versions']}")
        except DbError as e:
            row["notes"].append(f"row version check failed: {e}")
    row["seconds"], row["first_chunk"] = res["seconds"], res["first_chunk"]
    if res["seconds"]:
        row["rows_per_s"] = sc.lines / res["seconds"]
    row["notes"] += res["problems"]
    final = res["final"]
    if final is not None:
        totals = {k: (final.get("totals") or {}).get(k) for k in TOTAL_KEYS}
        ok = final["event"] == "completed" and not res["problems"]
        if final["event"] != "completed" or final.get("error"):
            row["notes"].append(f"final event {final['event']}: error {final.get('error')}")
        if totals != exp["totals"]:
            ok = False
            row["notes"].append(f"totals {totals}, expected {exp['totals']}")
        if res["chunk_sum"] != totals:
            ok = False
            row["notes"].append(f"chunk events' counts sum to {res['chunk_sum']}, final totals {totals}")
        row["totals_ok"] = ok
        row["job"] = res["job"]
    row["table_ok"], note = check_table(args.db, sc, exp)
    if note:
        row["notes"].append(note)
    return row


def check_table(db, sc, exp, model=None):
    """(ok, note); on a mismatch the note shows the first differing rows (the model is rebuilt for that)."""
    try:
        diff = compare_blocks(exp["blocks"], table_blocks(db))
        if diff is None:
            return True, None
        msg, bad = diff
        rows = "; ".join(differing_rows(db, sc.expected_rows(model), bad))
    except DbError as e:
        return False, f"table check failed: {e}"
    return False, f"table: {msg}; {rows}"


def fmt_mb(kb):
    return "-" if kb is None else f"{kb / 1024:.0f}"


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_table(rows):
    head = f"{'scenario':<9}{'N':>10} {'policy':<7}{'seconds':>9}{'rows/s':>11}{'1st chunk s':>12} " \
           f"{'totals':<7}{'table':<6}{'peak RSS MB':>11}"
    print(head)
    for r in rows:
        print(f"{r['scenario']:<9}{r['n']:>10} {r['policy']:<7}{fmt(r['seconds'], '.2f'):>9}"
              f"{fmt(r['rows_per_s'], ',.0f'):>11}{fmt(r['first_chunk'], '.3f'):>12} "
              f"{'OK' if r['totals_ok'] else 'FAIL':<7}{'OK' if r['table_ok'] else 'FAIL':<6}"
              f"{fmt(r['peak_rss_mb'], '.0f'):>11}")
    for r in rows:
        for note in r["notes"]:
            print(f"  {r['scenario']}: {note}")
    sys.stdout.flush()


def cmd_run(args):
    data_dir = Path(args.data_dir)
    names = ALL if args.scenario == "all" else (args.scenario,)
    if args.pid and not Path(f"/proc/{args.pid}/status").exists():
        raise SystemExit(f"no process {args.pid}")
    rows = []
    for name in names:
        log(f"--- {name} N={args.n}")
        rows.append(run_scenario(name, args, data_dir, row_versions=name == "S4"))
    print_table(rows)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["totals_ok"] and r["table_ok"] for r in rows) else 1
