"""The instances' and the database's health after the run: memory, logs, sessions, prepared transactions."""

import glob
import os
import re
import threading
import time

WARM_UP = 60  # seconds of an instance's life after which its RSS must stay flat
# Flat: after the first minute of a process's life, VmRSS never exceeds the highest VmRSS of that first
# minute by more than RSS_GROWTH (a share) plus RSS_SLACK_KIB (the JIT's and the heap's last expansion).
RSS_GROWTH = 0.25
RSS_SLACK_KIB = 64 * 1024
POOL_MAX = 12  # spring.r2dbc.pool.max-size; each instance also holds one LISTEN connection

# ERROR lines that an injected fault explains: (pattern, the fault kinds that may cause it).
DATABASE_FAULTS = ("terminate_backends", "pg_restart_fast", "pg_restart_immediate", "pg_outage_long")
ATTRIBUTED = [
    (re.compile(r"terminating connection due to administrator command|Connection unexpectedly closed|"
                r"the database system is (shutting down|starting up|in recovery mode)|Connection refused|"
                r"PostgresConnectionClosedException|Connection reset by peer|database_unavailable|57P0[123]|08006|08001|08003|"
                # PgJDBC's, for Flyway's connection at an instance's start-up that a database fault closed
                r"This connection has been closed"),
     DATABASE_FAULTS),
    # r2dbc-postgresql leaks the buffers of a statement's parameters that it encoded but never sent,
    # its connection lost meanwhile; Netty's leak detector reports one now and then (a driver defect).
    (re.compile(r"(?s)LEAK: ByteBuf\.release\(\) was not called.*io\.r2dbc\.postgresql\.codec\."), DATABASE_FAULTS),
    # An instance restarted after kill -9 while the database restarts refuses to start (and is started again).
    (re.compile(r"APPLICATION FAILED TO START|Application run failed"), ("kill9_instance",)),
]
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+[A-Z]+\s+\d+ --- ")
ERROR_LINE = re.compile(r"^(\S+)\s+ERROR\s+\d+ --- \[[^\]]*\] \[[^\]]*\] (\S+)\s*: (.*)$")


def error_entries(path, depth=400):
    """(line number, text) of each ERROR entry: the ERROR line and up to `depth` lines of stack trace under it."""
    entries, current = [], None
    with open(path, errors="replace") as log:
        for number, text in enumerate(log, start=1):
            if LOG_LINE.match(text):
                current = None
                if ERROR_LINE.match(text):
                    current = [number, [text.rstrip()]]
                    entries.append(current)
            elif current is not None and len(current[1]) <= depth:
                current[1].append(text.rstrip())
    return [(number, "\n".join(lines)) for number, lines in entries]


class RssSampler(threading.Thread):
    """Samples each instance's VmRSS every `every` seconds into the history (`rss` records)."""

    def __init__(self, cluster, history, every=2.0):
        super().__init__(name="rss", daemon=True)
        self.cluster, self.history, self.every = cluster, history, every
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.every):
            for instance in self.cluster.instances:
                kib = instance.rss_kib()
                if kib is not None:
                    self.history.record("rss", instance=instance.name, pid=instance.process.pid, kib=kib)


class Health:
    def __init__(self, checker):
        self.checker = checker
        self.history = checker.history
        self.pg = checker.pg
        self.cluster = checker.cluster

    def rss_flat(self):
        by_pid = {}
        for line, record in self.history.records:
            if record["kind"] == "rss":
                by_pid.setdefault((record["instance"], record["pid"]), []).append((record["ts"], record["kib"], line))
        self.checker.rss = {}
        for (name, pid), samples in by_pid.items():
            born = samples[0][0]
            warm = [kib for ts, kib, _ in samples if ts - born <= WARM_UP]
            later = [(kib, line) for ts, kib, line in samples if ts - born > WARM_UP]
            if not later:
                continue  # lived less than a minute (killed): nothing to judge
            bound = int(max(warm) * (1 + RSS_GROWTH) + RSS_SLACK_KIB)
            peak, line = max(later)
            self.checker.rss[f"{name} pid {pid}"] = (max(warm) // 1024, peak // 1024, samples[-1][1] // 1024,
                                                    round(samples[-1][0] - born))
            self.checker.check("RSS flat after the first minute", peak <= bound,
                               f"{name} pid {pid}: first minute max {max(warm)} KiB, later {peak} KiB > {bound}",
                               [line])

    def no_unattributed_error(self):
        """Each ERROR entry (its line and the stack trace under it) must match a pattern of a fault that was injected."""
        kinds = {r["fault"] for _, r in self.history.records if r["kind"] == "fault"}
        errors = 0
        for path in sorted(glob.glob(os.path.join(self.cluster.workdir, "*.log"))):
            for number, entry in error_entries(path):
                errors += 1
                explained = any(pattern.search(entry) and kinds & set(faults) for pattern, faults in ATTRIBUTED)
                self.checker.check("no ERROR in the logs but those of injected faults", explained,
                                   f"{os.path.basename(path)}:{number}: {entry[:600]}")
        self.checker.check("no ERROR in the logs but those of injected faults", True)
        self.checker.log_errors = errors

    def sessions_back_to_idle(self):
        """Within 30 s of the end, Tally's sessions are all idle and no more than the pools can hold."""
        limit = len(self.cluster.instances) * (POOL_MAX + 1)
        deadline = time.time() + 30
        while True:
            rows = self.pg.sql("SELECT state, count(*) FROM pg_stat_activity WHERE application_name = 'tally' "
                               "AND pid <> pg_backend_pid() GROUP BY state", database="postgres")
            states = {state: int(count) for state, count in rows}
            ok = set(states) <= {"idle"} and sum(states.values()) <= limit
            if ok or time.time() > deadline:
                break
            time.sleep(1)
        self.checker.sessions = states
        self.checker.check("no connection leaked (Tally's sessions idle, within the pools' size)", ok,
                           f"sessions by state {states}, limit {limit}")

    def no_prepared_transaction(self):
        rows = self.pg.sql("SELECT gid, prepared, owner FROM pg_prepared_xacts", database="postgres")
        self.checker.check("no prepared transaction", not rows, f"{rows[:5]}")
