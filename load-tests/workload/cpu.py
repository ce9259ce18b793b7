"""CPU seconds an upload cost: Tally's JVM, and PostgreSQL's backends serving Tally (application_name
'tally') on the benchmark's database. Read from /proc, so PostgreSQL's figure needs the server on this
machine; other sessions on the server (the baselines, other clients) are not counted."""

import os

from .db import DbError, psql

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid):
    """utime + stime of a process in seconds, or None when it is gone or not ours to read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return None


def tally_backends(db):
    """{pid: CPU seconds} of the server processes of Tally's connections to db."""
    try:
        pids = psql(db, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name = 'tally'")
    except DbError:
        return {}
    return {int(p): process_cpu(int(p)) for p in pids if p}


class CpuMeter:
    """Started before an upload and stopped after it. A backend that closed in between takes its
    CPU with it; the pool keeps Tally's connections, and `lost` says when one did close."""

    def __init__(self, pid, db):
        self.pid, self.db = pid, db
        self.jvm0 = process_cpu(pid)
        self.pg0 = tally_backends(db)

    def stop(self):
        jvm1, pg1 = process_cpu(self.pid), tally_backends(self.db)
        readable = pg1 and all(v is not None for v in pg1.values())
        return {
            "jvm_cpu_s": None if self.jvm0 is None or jvm1 is None else jvm1 - self.jvm0,
            "pg_cpu_s": sum(v - (self.pg0.get(p) or 0.0) for p, v in pg1.items()) if readable else None,
            "backends_lost": len([p for p in self.pg0 if p not in pg1]),
        }
