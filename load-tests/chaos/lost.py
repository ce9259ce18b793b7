"""After a kill -9: watches the jobs the killed instance was running until each leaves `running` (instance_lost)."""

import threading
import time


class LostWatcher(threading.Thread):
    """Polls the database every half second for the jobs of the uploads that were in flight on the killed instance.

    `jobs` maps each job id to its upload's Idempotency-Key: the jobs whose first event the attempt had read. Records
    one `lost_seen` per job: its status, error code and ended_at when first seen ended (or `running` at the
    deadline). The checker judges them.
    """

    def __init__(self, pg, history, instance, killed_at, jobs, deadline):
        super().__init__(name=f"lost-{instance}", daemon=True)
        self.pg, self.history, self.instance, self.killed_at, self.jobs, self.deadline = \
            pg, history, instance, killed_at, dict(jobs), deadline

    def run(self):
        pending = set(self.jobs)
        listed = ", ".join(f"'{job}'" for job in self.jobs)
        while pending and time.time() < self.deadline:
            try:
                rows = self.pg.sql("SELECT id, status, error->>'code', extract(epoch FROM ended_at) "
                                   f"FROM tally.job WHERE id IN ({listed}) AND status <> 'running'")
            except Exception:  # the database is down (a fault of its own): ask again
                rows = []
            for job, status, code, ended_at in rows:
                if job in pending:
                    self.seen(job, status, code or None, float(ended_at) if ended_at else None)
                    pending.discard(job)
            time.sleep(0.5)
        for job in pending:
            self.seen(job, "running", None, None)

    def seen(self, job, status, code, ended_at):
        self.history.record("lost_seen", instance=self.instance, key=self.jobs[job], job=job, status=status,
                            code=code, killed_at=self.killed_at, ended_at=ended_at,
                            after=round(ended_at - self.killed_at, 2) if ended_at else None,
                            seen_after=round(time.time() - self.killed_at, 2))
