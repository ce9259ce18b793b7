"""Faults on a seeded schedule: each one recorded in the history when it starts and when it ends."""

import random
import threading
import time

from lost import LostWatcher
from subscribers import Follower

# The default draw. Besides these, each uploader resets some of its own connections (--client-resets).
KINDS = ["terminate_backends", "pg_restart_fast", "pg_restart_immediate", "kill9_instance", "cancel_job",
         "stalled_subscriber"]
# Also available with --faults: pg_outage_long


class Nemesis(threading.Thread):
    def __init__(self, pg, cluster, history, seed, start_at, stop_at, every, kinds=KINDS, read_timeout=90,
                 in_flight=lambda name: [], lost_within=60):
        super().__init__(name="nemesis", daemon=True)
        self.pg = pg
        self.cluster = cluster
        self.history = history
        self.rnd = random.Random(seed)
        self.start_at = start_at
        self.stop_at = stop_at
        self.every = every
        self.kinds = kinds
        self.counts = {kind: 0 for kind in kinds}
        self.errors = []
        self.read_timeout = read_timeout
        self.in_flight = in_flight  # instance name -> {Idempotency-Key: job id or None} of the attempts it serves
        self.lost_within = lost_within  # how long a LostWatcher watches
        self.followers = []
        self.restarting = {}  # instance index -> the thread restarting it after a kill -9

    def run(self):
        time.sleep(max(0.0, self.start_at - time.time()))
        while True:
            wait = self.rnd.uniform(self.every * 0.5, self.every * 1.5)
            kind = self.rnd.choice(self.kinds)
            victim = self.rnd.randrange(len(self.cluster.instances))
            if time.time() + wait >= self.stop_at:
                for thread in list(self.restarting.values()):
                    thread.join()
                return
            time.sleep(wait)
            try:
                getattr(self, kind)(victim)
                self.counts[kind] += 1
            except Exception as error:  # a fault that could not be done is reported, the run goes on
                line = self.history.record("fault_error", fault=kind, error=repr(error))
                self.errors.append((line, kind, repr(error)))

    def terminate_backends(self, _victim):
        rows = self.pg.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE application_name = 'tally' AND pid <> pg_backend_pid()", database="postgres")
        self.history.record("fault", fault="terminate_backends", terminated=int(rows[0][0]))

    def pg_restart_fast(self, _victim):
        self.history.record("fault", fault="pg_restart_fast", phase="stop")
        self.pg.stop("fast")
        time.sleep(self.rnd.uniform(0.5, 3.0))
        self.pg.start()
        self.history.record("fault_end", fault="pg_restart_fast", phase="started")

    def pg_restart_immediate(self, _victim):
        """No shutdown checkpoint, clients cut without a goodbye: the server recovers from its WAL on start."""
        self.history.record("fault", fault="pg_restart_immediate", phase="stop")
        self.pg.stop("immediate")
        time.sleep(self.rnd.uniform(0.5, 3.0))
        self.pg.start()
        self.history.record("fault_end", fault="pg_restart_immediate", phase="started")

    def running_job(self, victim):
        jobs = self.cluster.instances[self.up(victim)].get_json("/v1/jobs?status=running&limit=100")["jobs"]
        return self.rnd.choice(jobs)["job"] if jobs else None

    def runner(self, job, default):
        """The instance the job's latest attempt went to, from the history."""
        names = [instance.name for instance in self.cluster.instances]
        for _, record in reversed(self.history.records):
            if record["kind"] == "event" and record["event"].get("job") == job:
                return names.index(record["instance"])
        return default

    def cancel_job(self, victim):
        """DELETE of a running job, sent to either instance: it ends cancelled; its committed chunks stay."""
        for _ in range(3):  # uploads are short: a job listed running may have ended by the DELETE (409)
            job = self.running_job(victim)
            target = self.cluster.instances[self.up(self.rnd.randrange(len(self.cluster.instances)))]
            status = target.delete(f"/v1/jobs/{job}") if job else None
            self.history.record("fault", fault="cancel_job", job=job, instance=target.name, status=status)
            if status != 409:
                return

    def stalled_subscriber(self, victim):
        """A follower on the other instance that reads nothing for 5-25 s, then reads to the end."""
        job = self.running_job(victim)
        other_index = (self.runner(job, victim) + 1) % len(self.cluster.instances)
        if other_index in self.restarting:
            raise RuntimeError(f"{self.cluster.instances[other_index].name}, to follow on, is restarting")
        other = self.cluster.instances[other_index]
        pause = round(self.rnd.uniform(5, 25), 1)
        self.history.record("fault", fault="stalled_subscriber", job=job, instance=other.name, pause=pause)
        if job:
            follower = Follower(self.history, other, job, pause, self.read_timeout)
            follower.start()
            self.followers.append(follower)

    def pg_outage_long(self, _victim):
        """Down longer than tally.ingest.database-retry (30s): jobs fail database_unavailable and are resumed."""
        down = self.rnd.uniform(32, 40)
        self.history.record("fault", fault="pg_outage_long", phase="stop", down=round(down, 1))
        self.pg.stop("fast")
        time.sleep(down)
        self.pg.start()
        self.history.record("fault_end", fault="pg_outage_long", phase="started")

    def kill9_instance(self, victim):
        """kill -9, then a restart 1-4 s later in the background, so that the other faults go on meanwhile."""
        instance = self.cluster.instances[victim]
        if self.restarting:
            raise RuntimeError("an instance is still restarting")
        jobs = self.running_jobs(self.in_flight(instance.name))
        killed_at = time.time()
        self.history.record("fault", fault="kill9_instance", instance=instance.name, pid=instance.process.pid,
                            in_flight=jobs)
        instance.kill9()
        if jobs:
            watcher = LostWatcher(self.pg, self.history, instance.name, killed_at, jobs, killed_at + self.lost_within)
            watcher.start()
            self.followers.append(watcher)  # joined with the followers, before the checker
        down = self.rnd.uniform(1.0, 4.0)
        thread = threading.Thread(target=self._restart, args=(victim, down), name=f"restart-{instance.name}",
                                  daemon=True)
        self.restarting[victim] = thread
        thread.start()

    def running_jobs(self, attempts):
        """{job: key} of the running jobs of these attempts ({key: job id or None}): most have not read their job's
        id when the kill comes, since a client reads the answer once its body is sent. A dry run takes no key: only
        the ids read are known for it."""
        jobs = {job: key for key, job in attempts.items() if job}
        keys = [key for key, job in attempts.items() if not job]
        if keys:
            try:
                listed = ", ".join("'" + key.replace("'", "''") + "'" for key in keys)
                jobs.update({row[0]: row[1] for row in self.pg.sql(
                    f"SELECT id, idempotency_key FROM tally.job WHERE status = 'running' "
                    f"AND idempotency_key IN ({listed})")})
            except Exception as error:  # the database is away (a fault of its own): those jobs are not watched
                self.history.record("fault_error", fault="kill9_instance", error=f"running jobs not read: {error!r}")
        return jobs

    def _restart(self, victim, down):
        instance = self.cluster.instances[victim]
        time.sleep(down)
        deadline = time.time() + 240
        while time.time() < deadline:  # a database fault during its start-up stops it: it is started again
            try:
                instance.start()
                self.history.record("fault_end", fault="kill9_instance", instance=instance.name,
                                    pid=instance.process.pid)
                break
            except Exception as error:
                line = self.history.record("fault_error", fault="kill9_instance", error=repr(error))
                self.errors.append((line, "kill9_instance", repr(error)))
                instance.kill9()
        del self.restarting[victim]

    def up(self, victim):
        """The victim if it is up, else another instance that is."""
        for index in [victim] + list(range(len(self.cluster.instances))):
            if index not in self.restarting:
                return index
        raise RuntimeError("no instance is up")
