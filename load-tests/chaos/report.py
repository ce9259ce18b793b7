"""The run's one table: workload, outcomes, faults by kind, memory, invariants checked and violations."""

from collections import Counter


def report(history, uploaders, nemesis, checker):
    records = [record for _, record in history.records]
    uploads = [(upload, final) for u in uploaders for upload, final in u.uploads]
    ended = [(upload, final) for upload, final in uploads if final]
    row = lambda label, value: print(f"{label:44} {value}")  # noqa: E731
    print("\n== Tally chaos run ==")
    row("uploads (ended/begun)", f"{len(ended)}/{len(uploads)}")
    row("HTTP attempts (incl. resends)", sum(1 for r in records if r["kind"] == "request"))
    row("lines in ended uploads", sum(len(upload.lines) for upload, _ in ended))
    row("uploads by policy", dict(Counter(upload.policy for upload, _ in uploads)))
    row("uploads by mode", dict(Counter(upload.mode for upload, _ in uploads)))
    row("uploads gzip / paced", f"{sum(u.gzip for u, _ in uploads)} / {sum(u.paced for u, _ in uploads)}")
    row("uploads by final status (code)", dict(Counter(
        final["status"] + (f" ({final['error']['code']})" if final.get("error") else "") for _, final in ended)))
    for kind in ("cut", "stall", "response"):
        row("attempts ended by " + kind, sum(1 for r in records if r["kind"] == kind))
    row("attempt statuses other than 200", dict(Counter(r["status"] for r in records if r["kind"] == "response")))
    longest, silence = slowest(history)
    row("longest attempt (s, history line)", longest)
    row("longest silence between events", silence)
    for kind, count in sorted(Counter(r["fault"] for r in records if r["kind"] == "fault").items()):
        row("faults: " + kind, count)
    row("faults that could not be done", len(nemesis.errors))
    reads = [r for r in records if r["kind"] == "read"]
    row("reads of /v1/jobs and /rows during the run (by status)",
        f"{len(reads)} {dict(Counter(str(r['status']) for r in reads))}, "
        f"{sum(r.get('pages', 0) for r in reads)} pages of /rows")
    row("uploads with maxRejects (failed max_rejects)", f"{sum(u.max_rejects is not None for u, _ in uploads)} "
        f"({sum(1 for _, f in ended if (f.get('error') or {}).get('code') == 'max_rejects')})")
    lost = getattr(checker, "lost_after", [])
    row("killed instances' jobs seen ending instance_lost",
        f"{len(lost)}, kill to instance_lost max {max(lost, default='-')} s "
        f"(ended before the kill: {getattr(checker, 'lost_before_the_kill', 0)})")
    followers = [r for r in records if r["kind"] == "subscriber_end"]
    row("followers (stalled 5-25 s) / chunk events", f"{len(followers)} / {sum(len(r['chunks']) for r in followers)}")
    for name, (warm, peak, last, age) in sorted(getattr(checker, "rss", {}).items()):
        row(f"RSS MiB {name}", f"first minute max {warm}, later max {peak}, last {last} (lived {age} s)")
    row("ERROR lines in the logs (all attributed?)", getattr(checker, "log_errors", "?"))
    row("Tally's sessions at the end", getattr(checker, "sessions", "?"))
    for invariant, count in checker.checked.items():
        bad = sum(1 for v in checker.violations if v[0] == invariant)
        print(f"{'check: ' + invariant:86} {count - bad}/{count} ok")
    row("VIOLATIONS", len(checker.violations))
    for invariant, detail, lines in checker.violations:
        print(f"  - {invariant}: {detail}\n    history lines {lines}")


def slowest(history):
    """The longest attempt and the longest wait for an upload's next event: a hang shows here first."""
    started, last, longest, silence = {}, {}, (0, None), (0, None)
    for line, record in history.records:
        attempt = (record.get("key"), record.get("attempt"))
        if record["kind"] == "request":
            started[attempt] = last[attempt] = record["ts"]
        elif record["kind"] == "event" and attempt in last:
            silence = max(silence, (round(record["ts"] - last[attempt], 1), line))
            last[attempt] = record["ts"]
        elif record["kind"] in ("response_end", "cut", "stall") and attempt in started:
            longest = max(longest, (round(record["ts"] - started[attempt], 1), line))
    return longest, silence
