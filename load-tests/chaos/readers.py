"""Readers of /v1/jobs and /v1/jobs/{id}/rows under load, one per instance, and the row log read after the run."""

import http.client
import json
import random
import threading
import time

from instances import TOKEN

OUTCOMES = ("skipped", "rejected")


class Refused(Exception):
    """An answer other than 200: its status and body."""

    def __init__(self, status, body):
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body


def get(instance, path, timeout=30):
    """GET; returns the body's bytes on 200, raises Refused otherwise (OSError when the connection fails)."""
    connection = http.client.HTTPConnection("localhost", instance.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})
        answer = connection.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise Refused(answer.status, body[:500].decode(errors="replace"))
        return body
    finally:
        connection.close()


def read_rows(instance, job, outcome, limit):
    """The job's row log for one outcome, paged by line (`after`, `limit`; docs/uploads.md): (rows, pages, problems).

    A problem is a page whose lines do not rise strictly from the previous one's, or a row of another outcome.
    """
    rows, pages, after, problems = [], 0, 0, []
    while True:
        body = get(instance, f"/v1/jobs/{job}/rows?outcome={outcome}&after={after}&limit={limit}")
        page = [json.loads(line) for line in body.splitlines() if line.strip()]
        pages += 1
        for row in page:
            if row.get("line", 0) <= after:
                problems.append(f"line {row.get('line')} after {after}")
            if row.get("outcome") != outcome:
                problems.append(f"line {row.get('line')}: outcome {row.get('outcome')} under outcome={outcome}")
            after = max(after, row.get("line", 0))
        rows += page
        if len(page) < limit or pages > 1000:
            return rows, pages, problems


class Reader(threading.Thread):
    """Lists jobs and pages through a random job's row log, again and again, until the faults stop."""

    def __init__(self, number, instance, history, seed, stop_at):
        super().__init__(name=f"reader-{instance.name}", daemon=True)
        self.instance, self.history, self.stop_at = instance, history, stop_at
        self.rnd = random.Random(seed * 1000 + 900 + number)
        self.reads = 0

    def run(self):
        while time.time() < self.stop_at:
            status = self.rnd.choice(["", "&status=running", "&status=completed", "&status=failed"])
            listed = self.read(f"/v1/jobs?limit=50{status}", lambda: json.loads(get(self.instance,
                                                                                     f"/v1/jobs?limit=50{status}")))
            jobs = (listed or {}).get("jobs", [])
            if jobs:
                job = self.rnd.choice(jobs)["job"]
                outcome, limit = self.rnd.choice(OUTCOMES), self.rnd.randint(3, 40)
                self.read(f"/v1/jobs/{job}/rows?outcome={outcome}&limit={limit}",
                          lambda: read_rows(self.instance, job, outcome, limit))
            time.sleep(self.rnd.uniform(0.1, 0.4))  # two cores: readers are a load, not the load

    def read(self, path, call):
        """Runs one read; records it (status, rows, problems, seconds); returns its result or None."""
        began, fields, result = time.time(), {}, None
        try:
            result = call()
            fields["status"] = 200
            if isinstance(result, tuple):
                fields.update(rows=len(result[0]), pages=result[1], problems=result[2])
        except Refused as refused:
            fields.update(status=refused.status, body=refused.body)
        except (OSError, http.client.HTTPException, ValueError) as error:
            fields.update(status=None, error=f"{type(error).__name__}: {error}")
        self.reads += 1
        self.history.record("read", instance=self.instance.name, path=path, began=round(began, 3),
                            seconds=round(time.time() - began, 3), **fields)
        return result
