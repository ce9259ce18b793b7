"""The benchmark's report for C8 and C32: aggregate rows/s against S1's single upload, C8 and B1 x k, the
first chunk events and the smallest chunks, and the targets."""

from .report import (
    C8_B1_TARGET, C8_SINGLE_TARGET, C32_C8_TARGET, C32_FIRST_EVENT_TARGET_S, MIN_CHUNK_TARGET, median, ratio,
    targets_text,
)
from .run import fmt


def paired(entries, all_rounds, reference):
    """Median over rounds of this round's Tally rows/s / the reference scenario's Tally rows/s in the same round."""
    ref = {e["round"]: e["tally"]["rows_per_s"] for e in all_rounds if e["tally"]["scenario"] == reference}
    return median(ratio(e["tally"]["rows_per_s"], ref.get(e["round"])) for e in entries)


def summarize_concurrent(name, entries, all_rounds):
    t = [e["tally"] for e in entries]
    b1 = [e["B1"] for e in entries if e.get("B1")]
    chunks = [x["chunks"] for x in t if x["chunks"]]
    s = {"scenario": name, "uploads": t[0]["uploads"] if t else None, "n": t[0]["n"] if t else None,
         "tally_rps": median(x["rows_per_s"] for x in t),
         "b1k_rps": median(x["rows_per_s"] for x in b1) if b1 else None,
         "tally_b1k": median(ratio(e["tally"]["rows_per_s"], e["B1"]["rows_per_s"]) for e in entries if e.get("B1")),
         "vs_s1": paired(entries, all_rounds, "S1"),
         "vs_c8": paired(entries, all_rounds, "C8") if name != "C8" else None,
         "first_event": median(x["first_chunk"] for x in t),
         "first_event_max": max((x["first_chunk_max"] for x in t if x["first_chunk_max"] is not None), default=None),
         "min_chunk": min((x["min_chunk"] for x in t if x["min_chunk"] is not None), default=None),
         "chunks": (min(c[0] for c in chunks), max(c[1] for c in chunks)) if chunks else None,
         "merged_events": sum(x["merged_events"] for x in t),
         "peak_rss_mb": max((x["peak_rss_mb"] for x in t if x["peak_rss_mb"] is not None), default=None),
         "counts_ok": bool(t) and all(x["totals_ok"] for x in t) and all(x["counts_ok"] for x in b1),
         "table_ok": bool(t) and all(x["table_ok"] for x in t) and all(x["table_ok"] for x in b1),
         "rounds": len(t)}
    s["targets"] = concurrent_targets(s)
    return s


def concurrent_targets(s):
    def at_least(v, x):
        return None if v is None else v >= x
    if s["scenario"] == "C8":
        return [(f"÷ S1 ≥ {C8_SINGLE_TARGET:.1f}", at_least(s["vs_s1"], C8_SINGLE_TARGET)),
                (f"Tally/B1×8 ≥ {C8_B1_TARGET}", at_least(s["tally_b1k"], C8_B1_TARGET))]
    return [(f"÷ C8 ≥ {C32_C8_TARGET}", at_least(s["vs_c8"], C32_C8_TARGET)),
            (f"every first event ≤ {C32_FIRST_EVENT_TARGET_S:g} s",
             None if s["first_event_max"] is None else s["first_event_max"] <= C32_FIRST_EVENT_TARGET_S),
            (f"no chunk < {MIN_CHUNK_TARGET} lines", at_least(s["min_chunk"], MIN_CHUNK_TARGET))]


CONC_COLUMNS = ("scenario", "uploads × lines", "Tally rows/s (aggregate, median)", "÷ S1 (one upload)", "÷ C8",
                "B1×k rows/s", "Tally/B1×k", "first event s (median / max)", "smallest chunk (lines)",
                "chunks per upload", "merged events", "Tally peak RSS MB", "counts OK", "table OK", "targets")


def concurrent_cells(s):
    ok = lambda b: "OK" if b else "FAIL"  # noqa: E731
    per = f"{s['uploads']} × {s['n'] // s['uploads']:,}" if s["uploads"] else "-"
    chunks = "-" if not s["chunks"] else f"{s['chunks'][0]}" if s["chunks"][0] == s["chunks"][1] \
        else f"{s['chunks'][0]}–{s['chunks'][1]}"
    return [s["scenario"], per, fmt(s["tally_rps"], ",.0f"), fmt(s["vs_s1"], ".2f"), fmt(s["vs_c8"], ".2f"),
            fmt(s["b1k_rps"], ",.0f"), fmt(s["tally_b1k"], ".2f"),
            f"{fmt(s['first_event'], '.3f')} / {fmt(s['first_event_max'], '.3f')}", fmt(s["min_chunk"], "d"),
            chunks, fmt(s["merged_events"], "d"), fmt(s["peak_rss_mb"], ".0f"), ok(s["counts_ok"]),
            ok(s["table_ok"]), targets_text(s["targets"])]


CONC_RAW_COLUMNS = ("round", "scenario", "Tally s", "Tally rows/s", "first event s (min / median / max)",
                    "smallest chunk", "chunks per upload", "peak RSS MB", "B1×k s", "B1×k rows/s", "Tally/B1×k",
                    "checks")


def concurrent_raw_cells(e):
    t, b1 = e["tally"], e.get("B1") or {}
    firsts = [u["first_chunk"] for u in t["uploads_detail"] if u["first_chunk"] is not None]
    first = f"{fmt(min(firsts, default=None), '.3f')} / {fmt(t['first_chunk'], '.3f')} / " \
            f"{fmt(t['first_chunk_max'], '.3f')}"
    chunks = "-" if not t["chunks"] else f"{t['chunks'][0]}–{t['chunks'][1]}"
    checks = [f"Tally {'OK' if t['totals_ok'] and t['table_ok'] else 'FAIL'}"]
    if b1:
        checks.append(f"{b1['kind']} {'OK' if b1['counts_ok'] and b1['table_ok'] else 'FAIL'}")
    return [e["round"], t["scenario"], fmt(t["seconds"], ".3f"), fmt(t["rows_per_s"], ",.0f"), first,
            fmt(t["min_chunk"], "d"), chunks, fmt(t["peak_rss_mb"], ".0f"), fmt(b1.get("seconds"), ".3f"),
            fmt(b1.get("rows_per_s"), ",.0f"), fmt(ratio(t["rows_per_s"], b1.get("rows_per_s")), ".2f"),
            ", ".join(checks)]
