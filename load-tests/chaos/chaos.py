#!/usr/bin/env python3
"""A Jepsen-style chaos run for Tally: a private PostgreSQL, two instances, resumable uploads, faults, a checker.

Run from the repository's root: `python3 load-tests/chaos/chaos.py --duration 60`. See README.md beside this file.
"""

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checker import Checker  # noqa: E402
from faults import KINDS, Nemesis  # noqa: E402
from health import RssSampler  # noqa: E402
from history import History  # noqa: E402
from instances import Cluster  # noqa: E402
from postgres import PrivatePostgres  # noqa: E402
from readers import Reader  # noqa: E402
from report import report  # noqa: E402
from uploaders import Uploader  # noqa: E402

# Short enough that a killed instance's jobs are ended within the run, and at least three heartbeats.
LIVENESS = {"tally.liveness.heartbeat": "3s", "tally.liveness.lost-after": "15s"}
HEARTBEAT, LOST_AFTER = 3, 15
# A killed instance's job ends instance_lost within lost-after + two heartbeats (its last mark, the beat that ends
# it) + a margin for the database's own faults meanwhile.
LOST_WITHIN = LOST_AFTER + 2 * HEARTBEAT + 9


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of workload and faults")
    parser.add_argument("--uploaders", type=int, default=16)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    parser.add_argument("--pg-port", type=int, default=25432,
                        help="below the ephemeral ports (32768-60999), which a client of another server may hold")
    parser.add_argument("--ports", default="18181,18182", help="the instances' HTTP ports")
    parser.add_argument("--fault-every", type=float, default=8, help="mean seconds between faults")
    parser.add_argument("--faults", default=",".join(KINDS), help="kinds of fault to draw from")
    parser.add_argument("--lines", type=int, default=200, help="lines per upload")
    parser.add_argument("--chunk-size", type=int, default=25)
    parser.add_argument("--pieces", type=int, default=8, help="the body is sent in this many pieces ...")
    parser.add_argument("--pause", type=float, default=0.15, help="... with this many seconds between them")
    parser.add_argument("--client-resets", type=float, default=0.04,
                        help="share of attempts whose client resets its connection mid-body, and as many mid-response")
    parser.add_argument("--drain", type=float, default=120, help="seconds after the faults for uploads to complete")
    parser.add_argument("--read-timeout", type=float, default=90,
                        help="an attempt silent this long is recorded as a stall (2 x database-retry + margin)")
    parser.add_argument("--history", default="chaos-history.ndjson")
    parser.add_argument("--repo", default=os.getcwd())
    parser.add_argument("--sabotage", action="store_true",
                        help="corrupt one row and one ledger row before checking, to see the checker fail")
    return parser.parse_args()


def main():
    args = arguments()
    # Stopped from outside (SIGTERM, or SIGINT even when started in the background), the run still removes
    # its database and instances.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    history = History(args.history)
    pg = PrivatePostgres(args.pg_port)
    cluster = None
    try:
        pg.init()
        pg.start()
        pg.create_database("tally")
        cluster = Cluster(args.repo, [int(p) for p in args.ports.split(",")], args.pg_port, LIVENESS)
        cluster.start()
        history.record("run_begin", **{k: v for k, v in vars(args).items()}, liveness=LIVENESS)
        print(f"seed {args.seed}; history in {args.history}", flush=True)
        now = time.time()
        stop_at, give_up_at = now + args.duration, now + args.duration + args.drain
        uploaders = [Uploader(i + 1, cluster, history, args.seed, stop_at, give_up_at, args.lines, args.chunk_size,
                              args.pieces, args.pause, args.read_timeout, args.client_resets)
                     for i in range(args.uploaders)]
        nemesis = Nemesis(pg, cluster, history, args.seed, now + 5, stop_at, args.fault_every,
                          args.faults.split(","), args.read_timeout, in_flight(uploaders), LOST_WITHIN + 30)
        readers = [Reader(i, instance, history, args.seed, stop_at) for i, instance in enumerate(cluster.instances)]
        sampler = RssSampler(cluster, history)
        for thread in uploaders + readers + [nemesis, sampler]:
            thread.start()
        nemesis.join()
        history.record("faults_end", counts=nemesis.counts)
        for thread in uploaders + readers + nemesis.followers:
            thread.join(max(1, give_up_at + args.read_timeout + 30 - time.time()))
        history.record("workload_end", alive=[u.number for u in uploaders if u.is_alive()])
        settle(pg, history)
        if args.sabotage:
            sabotage(pg, history)
        checker = Checker(pg, cluster, history, uploaders, LOST_WITHIN)
        violations = checker.run()
        sampler.stopped.set()
        for invariant, detail, lines in violations:
            history.record("violation", invariant=invariant, detail=detail, lines=lines)
        report(history, uploaders, nemesis, checker)
        return 1 if violations else 0
    finally:
        if cluster:
            cluster.remove(keep_logs_in=os.path.dirname(os.path.abspath(args.history)))
        pg.remove()
        history.close()


def in_flight(uploaders):
    """For a kill -9: {Idempotency-Key: job id if read yet} of the attempts the instance is serving."""
    def jobs(name):
        current = [u.current for u in uploaders]
        return {c[1]: c[2] for c in current if c and c[0] == name}
    return jobs


def sabotage(pg, history):
    """The checker's own test: one table row and one chunk's counts changed behind Tally's back."""
    pg.sql("UPDATE customers SET name = 'sabotaged' WHERE id = (SELECT min(id) FROM customers)")
    pg.sql("UPDATE tally.chunk SET received = received + 1, inserted = inserted + 1 "
           "WHERE (job_id, chunk) = (SELECT job_id, chunk FROM tally.chunk LIMIT 1)")
    history.record("sabotage")


def settle(pg, history):
    """Gives lost-instance detection its configured time (lost-after + two heartbeats) to end orphaned jobs."""
    deadline = time.time() + 15 + 2 * 3 + 5
    while time.time() < deadline:
        if pg.sql("SELECT count(*) FROM tally.job WHERE status = 'running'")[0][0] == "0":
            break
        time.sleep(1)
    history.record("settled", waited_until=deadline)


if __name__ == "__main__":
    sys.exit(main())
