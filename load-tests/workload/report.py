"""The benchmark's report: medians and ratios, the targets, the table, and the run's section in RESULTS.md."""

import os
import statistics
import subprocess
from pathlib import Path

from .common import ROOT, write_atomically
from .db import DbError, psql
from .run import fmt


RESULTS_MARK = "<!-- bench: each run is inserted below this line, newest first -->"
FIRST_EVENT_TARGET_S = 0.5
M10_PEAK_TARGET_MB = 512
M10_XMX = "256m"
FLAT = 0.10
B2_TARGET = 10.0  # Tally at least 10 x the common Python recipe on S1..S4
C8_SINGLE_TARGET, C8_B1_TARGET, C32_C8_TARGET = 1.0, 0.9, 0.9
C32_FIRST_EVENT_TARGET_S = 2.0
MIN_CHUNK_TARGET = 100  # lines; the bench's clients (curl from a file) are never slow

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return a / b if a is not None and b else None


def machine_info(server, java, java_version):
    info = {"cpus": len(os.sched_getaffinity(0)), "cpu": "?", "memory": "?", "postgres": "?",
            "jdk": f"{java_version} ({Path(java).parent.parent})", "load": "?"}
    try:
        info["cpu"] = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
        kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal:"))
        info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    try:
        info["postgres"] = psql(f"{server.rstrip('/')}/postgres", "SHOW server_version")[0]
    except DbError:
        pass
    return info


def load_average():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def git_commit():
    def git(*a):
        p = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True)
        return p.stdout.strip() if p.returncode == 0 else None
    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!load-tests/RESULTS.md")
    return head + (" (with uncommitted changes)" if dirty else "")


def per_million(seconds, n):
    return None if seconds is None or not n else seconds * 1_000_000 / n


def summarize(name, rounds_data, by_name, xmx):
    """One table row for a scenario from its per-round measurements."""
    t = [r["tally"] for r in rounds_data]
    b0 = [r.get("B0") for r in rounds_data if r.get("B0")]
    b1 = [r.get("B1") for r in rounds_data if r.get("B1")]
    b2 = [r.get("B2") for r in rounds_data if r.get("B2")]
    s = {"scenario": name, "n": t[0]["n"] if t else None,
         "tally_rps": median(x["rows_per_s"] for x in t),
         "b0_rps": median(x["rows_per_s"] for x in b0) if b0 else None,
         "b1_rps": median(x["rows_per_s"] for x in b1) if b1 else None,
         "b2_rps": median(x["rows_per_s"] for x in b2) if b2 else None,
         # ratios pair the figures of one round (measured minutes apart), then take the median
         "tally_b0": median(ratio(r["tally"]["rows_per_s"], r["B0"]["rows_per_s"]) for r in rounds_data if r.get("B0")),
         "tally_b1": median(ratio(r["tally"]["rows_per_s"], r["B1"]["rows_per_s"]) for r in rounds_data if r.get("B1")),
         "tally_b2": median(ratio(r["tally"]["rows_per_s"], r["B2"]["rows_per_s"]) for r in rounds_data if r.get("B2")),
         "peak_rss_mb": max((x["peak_rss_mb"] for x in t if x["peak_rss_mb"] is not None), default=None),
         "first_event": median(x["first_chunk"] for x in t),
         # CPU seconds per million lines: Tally's JVM, and the PostgreSQL backends serving it
         "jvm_cpu_1m": median(per_million(x.get("jvm_cpu_s"), x["n"]) for x in t),
         "pg_cpu_1m": median(per_million(x.get("pg_cpu_s"), x["n"]) for x in t),
         "new_row_versions": max((x["new_row_versions"] for x in t if x.get("new_row_versions") is not None),
                                 default=None) if name == "S4" else None,
         "counts_ok": bool(t) and all(x["totals_ok"] for x in t) and all(x["counts_ok"] for x in b0 + b1 + b2),
         "table_ok": bool(t) and all(x["table_ok"] for x in t) and all(x["table_ok"] for x in b0 + b1 + b2),
         "rounds": len(t), "xmx": xmx}
    if name == "M10" and t:
        s.update(rss_after_n_mb=t[0].get("rss_after_n_mb"), rss_after_10n_mb=t[0].get("rss_after_10n_mb"))
    s["targets"] = targets(s, by_name)
    return s


def targets(s, by_name):
    """[(label, True/False/None)]: the benchmark's targets for this row (None: cannot be evaluated)."""
    def at_least(v, x):
        return None if v is None else v >= x
    name, out = s["scenario"], []
    if name == "S1":
        out += [("Tally/B1 ≥ 1.0", at_least(s["tally_b1"], 1.0)), ("Tally/B0 ≥ 0.65", at_least(s["tally_b0"], 0.65))]
    elif name == "S2":
        out += [("Tally/B1 ≥ 1.0", at_least(s["tally_b1"], 1.0))]
    elif name == "S3":
        out += [("Tally/B1 ≥ 1.2", at_least(s["tally_b1"], 1.2))]
    elif name == "S4":
        out += [("Tally/B1 ≥ 1.0", at_least(s["tally_b1"], 1.0)),
                ("0 rows written", None if s["new_row_versions"] is None else s["new_row_versions"] == 0)]
    elif name == "S5":
        s3 = by_name.get("S3")
        out += [("≥ 0.9 × S3 rows/s", at_least(ratio(s["tally_rps"], s3["tally_rps"]) if s3 else None, 0.9))]
    elif name == "M10":
        a, b = s.get("rss_after_n_mb"), s.get("rss_after_10n_mb")
        out += [(f"peak RSS ≤ {M10_PEAK_TARGET_MB} MB", None if s["peak_rss_mb"] is None or s["xmx"] != M10_XMX
                 else s["peak_rss_mb"] <= M10_PEAK_TARGET_MB),  # the target is stated for -Xmx256m
                ("RSS@10N within 10 % of RSS@N", None if not a or b is None else abs(b - a) <= FLAT * a)]
    if s.get("b2_rps") is not None:
        out.append((f"Tally/B2 ≥ {B2_TARGET:g}", at_least(s["tally_b2"], B2_TARGET)))
    out.append((f"first event ≤ {FIRST_EVENT_TARGET_S} s", None if s["first_event"] is None
                else s["first_event"] <= FIRST_EVENT_TARGET_S))
    return out


def targets_text(ts):
    return "; ".join(f"{label}: {'n/a' if ok is None else 'met' if ok else 'NOT met'}" for label, ok in ts)


RESULT_COLUMNS = ("scenario", "Tally rows/s (median)", "B0 rows/s", "B1 rows/s", "B2 rows/s", "Tally/B0",
                  "Tally/B1", "Tally/B2",
                  "Tally peak RSS MB", "first event s", "JVM CPU-s /1M lines", "PostgreSQL CPU-s /1M lines",
                  "new row versions (S4)", "counts OK", "table OK", "targets")


def result_cells(s):
    ok = lambda b: "OK" if b else "FAIL"  # noqa: E731
    return [s["scenario"], fmt(s["tally_rps"], ",.0f"), fmt(s["b0_rps"], ",.0f"), fmt(s["b1_rps"], ",.0f"),
            fmt(s["b2_rps"], ",.0f"), fmt(s["tally_b0"], ".2f"), fmt(s["tally_b1"], ".2f"),
            fmt(s["tally_b2"], ".2f"), fmt(s["peak_rss_mb"], ".0f"),
            fmt(s["first_event"], ".3f"), fmt(s["jvm_cpu_1m"], ".2f"), fmt(s["pg_cpu_1m"], ".2f"),
            fmt(s["new_row_versions"], "d"), ok(s["counts_ok"]),
            ok(s["table_ok"]), targets_text(s["targets"])]


def markdown_table(header, rows):
    """A Markdown table padded to line up in a terminal too."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows])


def m10_line(s, xmx):
    if s is None:
        return None
    a, b = s.get("rss_after_n_mb"), s.get("rss_after_10n_mb")
    change = f" ({(b - a) / a:+.0%})" if a and b is not None else ""
    flat = "n/a" if not a or b is None else "yes" if abs(b - a) <= FLAT * a else "NO"
    return (f"M10 ({s['n']:,} lines, -Xmx{xmx}): RSS after N lines {fmt(a, '.0f')} MB, after 10N "
            f"{fmt(b, '.0f')} MB{change}, peak {fmt(s['peak_rss_mb'], '.0f')} MB; flat within 10 %: {flat}; "
            f"{targets_text(s['targets'])}")


TARGETS_NOTE = ("Targets (reported, not asserted): S1 ≥ 1.0×B1 and ≥ 0.65×B0; S2 ≥ 1.0×B1; "
                "S3 ≥ 1.2×B1; S4 ≥ 1.0×B1 and zero rows written (new row versions = 0); S5 ≥ 0.9× S3's rows/s; "
                "M10 peak RSS ≤ 512 MB with -Xmx256m and RSS after 10N within 10 % of after N; first chunk "
                "event ≤ 0.5 s; with B2, Tally ≥ 10×B2 on S1..S4. C8 ≥ 1.0× S1's single upload and ≥ 0.9×B1×8; "
                "C32 ≥ 0.9×C8, every upload's first chunk event ≤ 2 s, no chunk under 100 lines (the last of each "
                "upload aside). Ratios are the median over rounds of each round's Tally/baseline.")

RAW_COLUMNS = ("round", "scenario", "Tally s", "Tally rows/s", "first event s", "peak RSS MB", "B0 s",
               "B0 rows/s", "B1 s", "B1 rows/s", "B2 s", "B2 rows/s", "Tally/B0", "Tally/B1", "Tally/B2",
               "new row versions Tally/B1/B2", "checks")


def raw_cells(r):
    t, b0, b1, b2 = r["tally"], r.get("B0") or {}, r.get("B1") or {}, r.get("B2") or {}
    checks = [f"{k} {'OK' if m['counts_ok'] and m['table_ok'] else 'FAIL'}" for k, m in
              (("B0", b0), ("B1", b1), ("B2", b2)) if m]
    checks.insert(0, f"Tally {'OK' if t['totals_ok'] and t['table_ok'] else 'FAIL'}")
    versions = "-" if t.get("new_row_versions") is None else \
        f"{t['new_row_versions']}/{fmt(b1.get('new_row_versions'), 'd')}/{fmt(b2.get('new_row_versions'), 'd')}"
    return [r["round"], t["scenario"], fmt(t["seconds"], ".3f"), fmt(t["rows_per_s"], ",.0f"),
            fmt(t["first_chunk"], ".3f"), fmt(t["peak_rss_mb"], ".0f"), fmt(b0.get("seconds"), ".3f"),
            fmt(b0.get("rows_per_s"), ",.0f"), fmt(b1.get("seconds"), ".3f"), fmt(b1.get("rows_per_s"), ",.0f"),
            fmt(b2.get("seconds"), ".3f"), fmt(b2.get("rows_per_s"), ",.0f"),
            fmt(ratio(t["rows_per_s"], b0.get("rows_per_s")), ".2f"),
            fmt(ratio(t["rows_per_s"], b1.get("rows_per_s")), ".2f"),
            fmt(ratio(t["rows_per_s"], b2.get("rows_per_s")), ".2f"), versions, ", ".join(checks)]


def write_results(path, run):
    """Insert this run's section below the marker (newest first), creating the file if needed."""
    path = Path(path)
    text = path.read_text() if path.exists() else (
        "# Benchmark results\n\n"
        "Runs of `python3 load-tests/workload.py bench` (the standard workload of `docs/benchmark.md`), "
        "newest first. Every figure of a run was measured on one machine in one session: Tally, then "
        "its baselines B0 and B1, on the same server and table, round after round. The columns are "
        "explained in `docs/benchmark.md`.\n\n" + RESULTS_MARK + "\n")
    if RESULTS_MARK not in text:
        text = text.rstrip("\n") + "\n\n" + RESULTS_MARK + "\n"
    head, tail = text.split(RESULTS_MARK, 1)
    write_atomically(path, [head, RESULTS_MARK, "\n\n", run.rstrip("\n"), "\n", tail if tail.strip() else ""])


def results_section(meta, table, m10, raw, extra=()):
    lines = [f"## {meta['date']} — N={meta['n']:,}, {meta['rounds']} rounds", "",
             f"- Command: `{meta['command']}`",
             f"- Machine: {meta['cpus']} CPUs ({meta['cpu']}), {meta['memory']} memory, "
             f"PostgreSQL {meta['postgres']}, JDK {meta['jdk']}, Tally with -Xmx{meta['xmx']} {meta['jvm_opts']}"
             + (f" and {meta['app_args']}" if meta.get("app_args") else ""),
             f"- Load average (1, 5, 15 min) at start {meta['load_start']}, at end {meta['load_end']}; "
             f"the run took {meta['minutes']:.1f} min",
             f"- Warm-up, not measured: each scenario of the rounds once with N={meta['warmup']:,} "
             "after Tally started" if meta["warmup"] else "- No warm-up: round 1 ran on a fresh JVM",
             f"- Commit: {meta['commit']}"]
    if meta.get("b2"):
        lines.append(f"- B2: {meta['b2']}")
    lines += ["", table, ""]
    for block in extra:  # the concurrency table, its per-round figures
        lines += [block, ""]
    if m10:
        lines += [m10, ""]
    lines += [TARGETS_NOTE, "", "Per-round figures (the table's medians come from these):", "", raw, ""]
    return "\n".join(lines)


def redacted(argv):
    """The arguments with a --token's value left out: RESULTS.md records the command."""
    out, hide = [], False
    for a in argv:
        out.append("…" if hide else "--token=…" if a.startswith("--token=") else a)
        hide = a == "--token"
    return out
