"""The invariants on jobs, ledger and tables, checked after the run; each violation cites history lines."""

import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor

from health import Health
from reads import Reads
from model import COUNTS, simulate

ZERO = [0] * len(COUNTS)


class Checker:
    def __init__(self, pg, cluster, history, uploaders, lost_within=26):
        self.pg = pg
        self.lost_within = lost_within
        self.row_logs = []  # (upload, job, the model's skipped and rejected lines or None if unknown), for rows_agree
        self.cluster = cluster
        self.history = history
        self.uploaders = uploaders
        self.checked = {}
        self.violations = []  # (invariant, detail, history lines)

    def lines_for(self, key):
        """The first history lines that name this Idempotency-Key (indexed once: the history is long)."""
        if getattr(self, "_by_key", None) is None or self._indexed != len(self.history.records):
            self._by_key, self._indexed = {}, len(self.history.records)
            for line, record in self.history.records:
                if "key" in record:
                    self._by_key.setdefault(record["key"], []).append(line)
        return self._by_key.get(key, [])[:6]

    def check(self, invariant, ok, detail="", lines=()):
        self.checked[invariant] = self.checked.get(invariant, 0) + 1
        if not ok:
            self.violations.append((invariant, detail, list(lines)))

    def run(self):
        self.no_job_running()
        self.jobs, self.chunks = self.ledger()
        health = Health(self)
        reads = Reads(self)
        for step in (self.ledger_is_a_prefix, self.row_log_agrees, self.totals_agree, self.tables_match_model,
                     reads.rows_agree, reads.reads_answered, reads.lost_jobs_end, self.followers_agree,
                     self.no_stall_or_give_up, health.rss_flat, health.no_unattributed_error,
                     health.sessions_back_to_idle, health.no_prepared_transaction):
            began = time.time()
            step()
            self.history.record("checked", step=step.__name__, seconds=round(time.time() - began, 2))
        return self.violations

    def no_job_running(self):
        rows = self.pg.sql("SELECT id, idempotency_key, alive_at FROM tally.job WHERE status = 'running'")
        self.check("no job left running", not rows, f"{len(rows)} running: {rows[:5]}",
                   [line for row in rows for line in self.lines_for(row[1])])

    def ledger(self):
        jobs = {row[0]: {"key": row[1], "status": row[2], "atomic": row[3] == "t", "dry_run": row[4] == "t",
                         "totals": [int(v) for v in row[5:11]]}
                for row in self.pg.sql(f"SELECT id, idempotency_key, status, atomic, dry_run, "
                                       f"{', '.join(COUNTS)} FROM tally.job")}
        chunks = {}
        for row in self.pg.sql(f"SELECT job_id, chunk, first_line, last_line, {', '.join(COUNTS)} "
                               "FROM tally.chunk ORDER BY job_id, chunk"):
            chunks.setdefault(row[0], []).append([int(v) for v in row[1:]])
        return jobs, chunks

    def sums(self, job, first=None, last=None):
        rows = [c for c in self.chunks.get(job, []) if (first is None or first <= c[0] <= last)]
        return [sum(c[3 + i] for c in rows) for i in range(len(COUNTS))]

    def prefix(self, job):
        """The last line of the job's ledger: its chunks cover lines 1..prefix (checked by ledger_is_a_prefix)."""
        return max((c[2] for c in self.chunks.get(job, [])), default=0)

    def ledger_is_a_prefix(self):
        for job, chunks in self.chunks.items():
            spans = sorted((c[1], c[2]) for c in chunks)
            contiguous = all(b[0] == a[1] + 1 for a, b in zip(spans, spans[1:])) and spans[0][0] == 1
            self.check("a job's ledger covers lines 1..n without gap or overlap", contiguous,
                       f"job {job}: {spans}", self.lines_for(self.jobs.get(job, {}).get("key")))

    def row_log_agrees(self):
        """Each job's row log holds exactly as many skipped and rejected lines as its ledger counts."""
        logged = {}
        for job, outcome, count in self.pg.sql("SELECT job_id, outcome, count(*) FROM tally.row_log GROUP BY 1, 2"):
            logged.setdefault(job, {})[outcome] = int(count)
        for job, row in self.jobs.items():
            if row["status"] == "running":
                continue
            sums = self.sums(job)
            ledger = {"skipped": sums[COUNTS.index("skipped")], "rejected": sums[COUNTS.index("rejected")]}
            rows = {outcome: logged.get(job, {}).get(outcome, 0) for outcome in ledger}
            self.check("row log = the ledger's skipped and rejected lines", rows == ledger,
                       f"job {job}: row log {rows} ledger {ledger}", self.lines_for(row["key"]))

    def totals_agree(self):
        for job, row in self.jobs.items():
            if row["status"] != "running":
                self.check("job row totals = sum of its ledger", row["totals"] == self.sums(job),
                           f"job {job} ({row['status']}): row {row['totals']} ledger {self.sums(job)}",
                           self.lines_for(row["key"]))
        ended = [(upload, final) for uploader in self.uploaders for upload, final in uploader.uploads if final]
        with ThreadPoolExecutor(8) as pool:  # thousands of GETs: eight at a time
            documents = list(pool.map(self.document, [final["job"] for _, final in ended]))
        for (upload, final), doc in zip(ended, documents):
            job = final["job"]
            event = [final["totals"][n] for n in COUNTS]
            sums = self.sums(job) if job in self.jobs else None
            if upload.mode == "atomic" and final["status"] != "completed":
                # Rolled back: the job keeps nothing, only the events told what it had done.
                self.check("a rolled-back atomic job keeps zero totals and no ledger", doc == sums == ZERO,
                           f"job {job}: document {doc} ledger {sums}", self.lines_for(upload.key))
            else:
                self.check("final event totals = job document = ledger sum", event == doc == sums,
                           f"job {job}: event {event} document {doc} ledger {sums}", self.lines_for(upload.key))
            if upload.mode != "plain" and final["status"] == "completed":
                self.check("final event's committed: true for atomic, false for dryRun",
                           final.get("committed") is (upload.mode == "atomic"),
                           f"job {job} ({upload.mode}): committed {final.get('committed')}",
                           self.lines_for(upload.key))

    def document(self, job):
        """GET /v1/jobs/{id}'s totals, or the error that answered instead."""
        try:
            document = self.cluster.instances[0].get_json(f"/v1/jobs/{job}")
            return [document["totals"][n] for n in COUNTS]
        except (OSError, urllib.error.URLError, KeyError) as error:
            return repr(error)

    def tables_match_model(self):
        """Replays each uploader's uploads one line at a time, in order, and compares totals and rows."""
        from uploaders import KEY_SPAN
        for uploader in self.uploaders:
            state, ambiguous = {}, set()
            for upload, final in uploader.uploads:
                if final is None:
                    ambiguous.update(line.key for line in upload.lines)  # it may or may not have landed
                    continue
                if upload.mode != "atomic" or final["status"] == "completed":  # a rolled-back one keeps no row log
                    job = final["job"]
                    _, _, _, outcomes = simulate(upload, state, upto=self.prefix(job))
                    self.row_logs.append((upload, job, outcomes, bool(ambiguous)))
                expected, after = self.expect(upload, final, state)
                if expected is not None:
                    got = {n: final["totals"][n] for n in COUNTS}
                    self.check("upload totals = sequential model", got == expected,
                               f"{upload.key} ({upload.policy}, {upload.mode}, {final['status']}): "
                               f"got {got} expected {expected}", self.lines_for(upload.key))
                if upload.mode == "plain" or (upload.mode == "atomic" and final["status"] == "completed"):
                    state = after  # atomic rolled back and dry runs leave no row
            low = uploader.number * KEY_SPAN
            rows = self.pg.sql(f"SELECT id, name FROM customers WHERE id >= {low} AND id < {low + KEY_SPAN}")
            rows = {int(k): v for k, v in rows}
            wrong = [(k, rows.get(k), state.get(k, (None,))[0]) for k in set(rows) | set(state)
                     if k not in ambiguous and rows.get(k) != state.get(k, (None,))[0]]
            self.check("key range rows = sequential model", not wrong,
                       f"uploader {uploader.number}: {len(wrong)} rows differ, e.g. (id, table, model) {wrong[:3]}")

    def expect(self, upload, final, state):
        """The model's totals for this outcome (None: not predicted) and the state if the upload's work was kept."""
        status, error = final["status"], final.get("error") or {}
        job, lines = final["job"], self.lines_for(upload.key)
        _, _, failure, _ = simulate(upload, state)
        fail_line, fail_code = failure or (None, None)
        if status == "completed":
            self.check("an upload ends as the model says (completed, key_exists or max_rejects)", failure is None,
                       f"{upload.key}: completed, but the model fails it at line {fail_line} ({fail_code})", lines)
            expected, after, _, _ = simulate(upload, state)
            return expected, after
        if status == "failed" and error.get("code") in ("key_exists", "max_rejects"):
            self.check("an upload ends as the model says (completed, key_exists or max_rejects)",
                       (error.get("line"), error.get("code")) == (fail_line, fail_code),
                       f"{upload.key}: failed {error.get('code')} at line {error.get('line')}, model {failure}", lines)
            # Chunks close at chunkSize lines or when the body pauses (chunk-max-wait), so where the chunk before
            # the failing one ended is read: from the ledger, or, for an atomic upload that kept none, from the
            # chunk events of the attempt that failed.
            kept = final.get("written_to_line", 0) if upload.mode == "atomic" else self.prefix(job)
            # An atomic job's answer without chunk events may be the replay of the ended job, which reports what
            # it kept (nothing, zero totals), not what it had written (docs/uploads.md): only the totals are checked.
            if not (upload.mode == "atomic" and kept == 0):
                self.check("a failed upload keeps (or reports) exactly the chunks before its failing line",
                           fail_line is not None and kept < fail_line <= kept + upload.chunk_size,
                           f"{upload.key}: chunks up to line {kept}, failing line {fail_line}", lines)
            expected, after, _, _ = simulate(upload, state, upto=kept)
            return expected, after
        if status != "cancelled":
            self.check("no job fails but by its policy (or resumably)", False,
                       f"{upload.key}: {status} {error}", lines)
        # Cancelled (or failed otherwise): the committed chunks of a plain upload stay, the rest never ran.
        kept = self.prefix(job) if upload.mode == "plain" else 0
        expected, after, _, _ = simulate(upload, state, upto=kept)
        return (expected if upload.mode == "plain" else None), after

    def followers_agree(self):
        """Each chunk event a follower saw = the ledger's rows for those chunks; it read on to the final event."""
        kills = [(r["ts"], r.get("instance")) for _, r in self.history.records
                 if r["kind"] == "fault" and r["fault"] == "kill9_instance"]
        for line, record in self.history.records:
            if record["kind"] != "subscriber_end":
                continue
            job = self.jobs.get(record["job"], {})
            if not (job.get("atomic") and job.get("status") != "completed"):
                for first, last, counts in record["chunks"]:
                    ledger = self.sums(record["job"], first, last)
                    self.check("a follower's chunk events = the ledger", [counts[n] for n in COUNTS] == ledger,
                               f"job {record['job']} chunks {first}-{last}: event {counts} ledger {ledger}", [line])
            began = record["ts"] - record["seconds"]
            killed = any(began <= ts <= record["ts"] and name == record["instance"] for ts, name in kills)
            down = "Connection refused" in (record["error"] or "")  # killed before, not yet started again
            self.check("a follower reads its job to the final event (unless its instance was killed)",
                       record["final"] is not None or killed or down, f"{record}", [line])

    def no_stall_or_give_up(self):
        for line, record in self.history.records:
            if record["kind"] in ("stall", "upload_gave_up"):
                self.check("every upload completes without a silent wait", False,
                           f"{record['kind']}: {record}", [line])
        self.check("every upload completes without a silent wait", True)
