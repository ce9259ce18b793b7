"""The invariants, checked after the workload and the faults stopped; each violation cites history lines."""

import urllib.error

COUNTS = ["received", "inserted", "updated", "unchanged", "skipped", "rejected"]


class Checker:
    def __init__(self, pg, cluster, history, uploaders):
        self.pg = pg
        self.cluster = cluster
        self.history = history
        self.uploaders = uploaders
        self.checked = {}
        self.violations = []  # (invariant, detail, history lines)

    def lines_for(self, key):
        return [line for line, record in self.history.records if record.get("key") == key][:6]

    def check(self, invariant, ok, detail="", lines=()):
        self.checked[invariant] = self.checked.get(invariant, 0) + 1
        if not ok:
            self.violations.append((invariant, detail, list(lines)))

    def run(self):
        self.no_job_running()
        self.totals_agree()
        self.tables_match_model()
        self.no_idle_in_transaction()
        self.no_stall_or_give_up()
        return self.violations

    def no_job_running(self):
        rows = self.pg.sql("SELECT id, idempotency_key, alive_at FROM tally.job WHERE status = 'running'")
        self.check("no job left running", not rows, f"{len(rows)} running: {rows[:5]}",
                   [line for row in rows for line in self.lines_for(row[1])])

    def ledger(self):
        sums = ", ".join(f"coalesce(sum(c.{name}), 0)" for name in COUNTS)
        rows = self.pg.sql(f"SELECT j.id, j.idempotency_key, j.status, {', '.join('j.' + n for n in COUNTS)}, {sums} "
                           "FROM tally.job j LEFT JOIN tally.chunk c ON c.job_id = j.id GROUP BY j.id")
        return {row[0]: row for row in rows}

    def totals_agree(self):
        ledger = self.ledger()
        for job, row in ledger.items():
            job_row, chunk_sums = [int(v) for v in row[3:9]], [int(v) for v in row[9:15]]
            if row[2] != "running":
                self.check("job row totals = sum of its ledger", job_row == chunk_sums,
                           f"job {job} ({row[2]}): row {job_row} ledger {chunk_sums}", self.lines_for(row[1]))
        for uploader in self.uploaders:
            for upload, final in uploader.uploads:
                if final is None:
                    continue
                job = final["job"]
                event = [final["totals"][n] for n in COUNTS]
                try:
                    document = self.cluster.instances[0].get_json(f"/v1/jobs/{job}")
                    doc = [document["totals"][n] for n in COUNTS]
                except (OSError, urllib.error.URLError, KeyError) as error:
                    doc = repr(error)
                row = ledger.get(job)
                sums = [int(v) for v in row[9:15]] if row else None
                self.check("final event totals = job document = ledger sum", event == doc == sums,
                           f"job {job}: event {event} document {doc} ledger {sums}", self.lines_for(upload.key))

    def tables_match_model(self):
        """Replays each uploader's completed uploads one line at a time, in order, and compares counts and rows."""
        from uploaders import KEY_SPAN
        for uploader in self.uploaders:
            state, ambiguous = {}, set()
            for upload, final in uploader.uploads:
                expected = dict.fromkeys(COUNTS, 0)
                expected["received"] = len(upload.body)
                expected["rejected"] = upload.dirty
                for key, name in upload.valid:
                    if final is None:
                        ambiguous.add(key)  # never completed: it may or may not have landed
                    elif key not in state:
                        expected["inserted"] += 1
                        state[key] = name
                    elif upload.policy == "skip":
                        expected["skipped"] += 1
                    else:
                        expected["updated"] += 1
                        state[key] = name
                if final is not None:
                    got = {n: final["totals"][n] for n in COUNTS}
                    self.check("upload totals = sequential model", got == expected,
                               f"{upload.key} ({upload.policy}): got {got} expected {expected}",
                               self.lines_for(upload.key))
            low = uploader.number * KEY_SPAN
            rows = dict(self.pg.sql(f"SELECT id, name FROM customers WHERE id >= {low} AND id < {low + KEY_SPAN}"))
            rows = {int(k): v for k, v in rows.items()}
            wrong = [(k, rows.get(k), state.get(k)) for k in set(rows) | set(state)
                     if k not in ambiguous and rows.get(k) != state.get(k)]
            self.check("key range rows = sequential model", not wrong,
                       f"uploader {uploader.number}: {len(wrong)} rows differ, e.g. (id, table, model) {wrong[:3]}")

    def no_idle_in_transaction(self):
        rows = self.pg.sql("SELECT pid, state, now() - state_change, left(query, 80) FROM pg_stat_activity "
                           "WHERE application_name = 'tally' AND state LIKE 'idle in transaction%'", database="postgres")
        self.check("no idle-in-transaction session of Tally", not rows, f"{rows[:5]}")

    def no_stall_or_give_up(self):
        for line, record in self.history.records:
            if record["kind"] in ("stall", "upload_gave_up"):
                self.check("every upload completes without a silent wait", False,
                           f"{record['kind']}: {record}", [line])
        self.check("every upload completes without a silent wait", True)


def report(history, uploaders, nemesis, checker):
    records = [record for _, record in history.records]
    uploads = sum(len(u.uploads) for u in uploaders)
    completed = sum(1 for u in uploaders for _, final in u.uploads if final)
    lines = sum(len(upload.body) for u in uploaders for upload, final in u.uploads if final)
    attempts = sum(1 for r in records if r["kind"] == "request")
    print("\n== Tally chaos run ==")
    print(f"{'uploads (completed/begun)':40} {completed}/{uploads}")
    print(f"{'HTTP attempts (incl. resends)':40} {attempts}")
    print(f"{'lines in completed uploads':40} {lines}")
    for kind in ("cut", "stall", "response"):
        print(f"{'attempts ended by ' + kind:40} {sum(1 for r in records if r['kind'] == kind)}")
    finals = {}
    for r in records:
        if r["kind"] == "response_end":
            finals[r["final"]] = finals.get(r["final"], 0) + 1
    print(f"{'final events by status':40} {finals}")
    longest, silence = slowest(history)
    print(f"{'longest attempt (s, history line)':40} {longest}")
    print(f"{'longest silence between events':40} {silence}")
    for kind, count in nemesis.counts.items():
        print(f"{'faults: ' + kind:40} {count}")
    print(f"{'faults that could not be done':40} {len(nemesis.errors)}")
    for invariant, count in checker.checked.items():
        bad = sum(1 for v in checker.violations if v[0] == invariant)
        print(f"{'check: ' + invariant:70} {count - bad}/{count} ok")
    print(f"{'VIOLATIONS':40} {len(checker.violations)}")
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
