"""The checker's steps on reads: the row log through /rows against ledger and model, the readers' answers during the
run, and the jobs of killed instances ending instance_lost in time."""

import glob
import http.client
import os
import random
import re
from datetime import datetime
from concurrent.futures import ThreadPoolExecutor

from model import COUNTS
from readers import OUTCOMES, Refused, read_rows

SAMPLE = 4000  # jobs whose row log is read back after the run (all when fewer)
DB_FAULTS = ("pg_restart_fast", "pg_restart_immediate", "pg_outage_long")
AFTER_DB_FAULT = 12  # seconds after the server is back (or backends were ended) that a 503 is still its doing


class Reads:
    def __init__(self, checker):
        self.c = checker

    def rows_agree(self):
        c = self.c
        logs = c.row_logs if len(c.row_logs) <= SAMPLE else random.Random(7).sample(c.row_logs, SAMPLE)
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(self.read_back, enumerate(logs)))
        for (upload, job, model, ambiguous), answer in zip(logs, answers):
            lines = c.lines_for(upload.key)
            if isinstance(answer, str):
                c.check("/rows answers 200 after the run", False, f"job {job}: {answer}", lines)
                continue
            sums, last = c.sums(job), c.prefix(job)
            for outcome in OUTCOMES:
                rows, _, problems = answer[outcome]
                got = [row["line"] for row in rows]
                c.check("/rows per outcome = the ledger's skipped and rejected counts",
                        len(rows) == sums[COUNTS.index(outcome)],
                        f"job {job} {outcome}: /rows {len(rows)}, ledger {sums[COUNTS.index(outcome)]}", lines)
                c.check("/rows pages by line: strictly increasing, one outcome, within the job's ledger",
                        not problems and all(1 <= n <= last for n in got),
                        f"job {job} {outcome}: {problems[:3]} lines {got[:3]}..{got[-3:]} ledger 1..{last}", lines)
                expected = {n: (why, key) for n, (o, why, key) in model.items() if o == outcome}
                if outcome == "skipped" and ambiguous:
                    continue  # an upload of this range gave up: which keys exist is not known
                seen = {row["line"]: (row.get("reason") if outcome == "skipped" else row.get("code"),
                                      (row.get("key") or {}).get("id") if outcome == "skipped" else None)
                        for row in rows}
                wrong = sorted(n for n in set(seen) | set(expected) if seen.get(n) != expected.get(n))
                c.check("/rows = the model's skipped (reason, key) and rejected (code) lines", not wrong,
                        f"job {job} {outcome} ({upload.policy}, {upload.mode}): lines {wrong[:5]} differ, e.g. "
                        f"/rows {[seen.get(n) for n in wrong[:2]]} model {[expected.get(n) for n in wrong[:2]]}",
                        lines)

    def read_back(self, numbered):
        index, (upload, job, _, _) = numbered
        instance = self.c.cluster.instances[index % len(self.c.cluster.instances)]
        try:
            return {outcome: read_rows(instance, job, outcome, 16 + index % 49) for outcome in OUTCOMES}
        except (Refused, OSError, http.client.HTTPException, ValueError) as error:
            return f"{type(error).__name__}: {error}"

    def windows(self):
        """(database fault windows, {instance: kill windows}) from the history's fault records."""
        db, kills, open_db, open_kill = [], {}, {}, {}
        for _, r in self.c.history.records:
            fault = r.get("fault")
            if r["kind"] == "fault" and fault == "terminate_backends":
                db.append((r["ts"] - 0.5, r["ts"] + AFTER_DB_FAULT))
            elif r["kind"] == "fault" and fault in DB_FAULTS:
                open_db[fault] = r["ts"]
            elif r["kind"] == "fault_end" and fault in open_db:
                db.append((open_db.pop(fault), r["ts"] + AFTER_DB_FAULT))
            elif r["kind"] == "fault" and fault == "kill9_instance":
                open_kill[r["instance"]] = r["ts"]
            elif r["kind"] == "fault_end" and fault == "kill9_instance" and r["instance"] in open_kill:
                kills.setdefault(r["instance"], []).append((open_kill.pop(r["instance"]), r["ts"] + 2))
        db += [(began, float("inf")) for began in open_db.values()]
        for name, began in open_kill.items():
            kills.setdefault(name, []).append((began, float("inf")))
        return db, kills

    def reads_answered(self):
        """During the run, every read is answered 200, or 503 / a cut while an injected fault explains it."""
        db, kills = self.windows()
        overlaps = lambda spans, a, b: any(s <= b and a <= e for s, e in spans)  # noqa: E731
        for line, r in self.c.history.records:
            if r["kind"] != "read":
                continue
            span = (r["began"], r["began"] + r["seconds"])
            if r["status"] == 200:
                self.c.check("readers' pages rise strictly by line, one outcome each", not r.get("problems"),
                             f"{r['path']}: {r.get('problems')}", [line])
                continue
            in_db_fault = overlaps(db, *span)
            killed = overlaps(kills.get(r["instance"], []), *span)
            ok = (r["status"] == 503 and in_db_fault) or (r["status"] is None and (killed or in_db_fault))
            self.c.check("readers get 200, or 503 / a cut attributed to an injected fault", ok,
                         f"{r['instance']} {r['path']}: {r['status']} {r.get('body') or r.get('error')}", [line])
        self.c.check("readers get 200, or 503 / a cut attributed to an injected fault", True)

    def lost_jobs_end(self):
        """Each job running on a killed instance is ended instance_lost within the configured time, by the instance
        that noticed (its log line's time: the job row's own ended_at may be a later ending, after a resume)."""
        c, within = self.c, self.c.lost_within
        c.lost_after = []  # seconds from each kill to its jobs' instance_lost
        c.lost_before_the_kill = 0
        ended = self.lost_in_logs()
        for line, r in c.history.records:
            if r["kind"] != "lost_seen":
                continue
            if r["ended_at"] is not None and r["ended_at"] <= r["killed_at"]:
                c.lost_before_the_kill += 1  # its last commit won the race with the kill
                continue
            lost_at = min((ts for ts in ended.get(r["job"], []) if ts > r["killed_at"]), default=None)
            after = None if lost_at is None else round(lost_at - r["killed_at"], 2)
            if after is not None:
                c.lost_after.append(after)
            c.check(f"a killed instance's job ends instance_lost within {within} s",
                    after is not None and after <= within,
                    f"job {r['job']}: instance_lost {after} s after the kill of {r['instance']} (job seen "
                    f"{r['status']} {r['code']} {r['seen_after']} s after)", [line] + c.lines_for(r["key"]))

    def lost_in_logs(self):
        """{job: [epoch seconds]} of the instances' log lines that end a job as lost (events/Liveness.java)."""
        found = {}
        pattern = re.compile(r"^(\S+Z) .*Job (\S+) ended: the instance running it gave no sign of life")
        for path in glob.glob(os.path.join(self.c.cluster.workdir, "*.log")):
            with open(path, errors="replace") as log:
                for text in log:
                    match = pattern.match(text)
                    if match:
                        ts = datetime.fromisoformat(match.group(1).replace("Z", "+00:00")).timestamp()
                        found.setdefault(match.group(2), []).append(ts)
        return found
