"""TallyClient: uploads with their events, results with their row logs, and jobs."""

import http.client
import json
import time
import urllib.parse

from .errors import ConnectionLost, TallyError, TallyHTTPError
from .events import ChunkCommitted, JobEnded, JobStarted, Resuming
from .exchange import Exchange
from .source import LineSource

ROWS_PAGE = 10000  # the most rows GET /v1/jobs/{id}/rows answers at once


class UploadResult(object):
    """What an upload did: the final event's fields, with the job's skipped and rejected rows
    fetched from its row log when first read."""

    def __init__(self, client, final):
        self._client = client
        self.final = final.data
        self.job = final.job
        self.status = final.status
        self.totals = final.totals
        self.error = final.error
        self.chunks = final.data.get("chunks")
        self.committed = final.data.get("committed", True)
        self._rows = {}

    @property
    def skipped(self):
        """Every skipped line: dicts with line, key, reason, message, text (the job's row log)."""
        return self._logged("skipped")

    @property
    def rejected(self):
        """Every rejected line: dicts with line, key, code, message, text (the job's row log)."""
        return self._logged("rejected")

    def _logged(self, outcome):
        if outcome not in self._rows:
            if self.totals.get(outcome, 0) == 0:
                self._rows[outcome] = []
            else:
                self._rows[outcome] = list(self._client.rows(self.job, outcome))
        return self._rows[outcome]

    def __repr__(self):
        return "UploadResult(job=%r, status=%r, totals=%r)" % (self.job, self.status, self.totals)


class TallyClient(object):
    """A client of one Tally service: ``TallyClient("http://localhost:8080", token="…")``.

    ``timeout`` bounds, in seconds, each wait on the network (Tally sends a keep-alive at least
    every 15 s while a job runs).
    """

    def __init__(self, url, token=None, timeout=120.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http":
            raise ValueError("tally_client speaks plain http://, not %r" % parts.scheme)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 80
        self.base_path = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout

    # -- uploads ---------------------------------------------------------------------------

    def upload(self, dataset, records, **options):
        """Uploads records and waits for the job's end; returns an UploadResult.

        Takes the options of upload_events. A job that ends failed, cancelled or aborted is a
        result too (see ``status`` and ``error``); refusals and a lost connection raise.
        """
        final = None
        for event in self.upload_events(dataset, records, **options):
            if isinstance(event, JobEnded):
                final = event
        return UploadResult(self, final)

    def upload_events(self, dataset, records, on_conflict="skip", chunk_size=None, atomic=False,
                      dry_run=False, max_rejects=None, unknown_fields=None, gzip=False,
                      idempotency_key=None, resume=None, resume_timeout=60.0, max_resumes=5):
        """Uploads records, yielding the events as they arrive, the final one last.

        ``records``: any iterable of dicts, str or bytes lines, read lazily by a thread of the
        client. With an ``idempotency_key``, ``resume`` (default True then) sends the upload again
        after a lost connection, at most ``max_resumes`` times; Tally applies no line twice. While
        Tally has not yet noticed the loss it answers 409; the client retries for ``resume_timeout``
        seconds. Atomic and dry-run uploads do not resume by themselves.
        """
        if resume is None:
            resume = idempotency_key is not None
        if resume and idempotency_key is None:
            raise ValueError("resume needs an idempotency_key")
        # Chunk events report committed lines only when each chunk commits on its own.
        commits_per_chunk = not atomic and not dry_run
        resume = resume and commits_per_chunk
        query = {"onConflict": on_conflict}
        if chunk_size is not None:
            query["chunkSize"] = chunk_size
        if atomic:
            query["atomic"] = "true"
        if dry_run:
            query["dryRun"] = "true"
        if max_rejects is not None:
            query["maxRejects"] = max_rejects
        if unknown_fields is not None:
            query["unknownFields"] = unknown_fields
        path = "%s/v1/datasets/%s/records?%s" % (
            self.base_path, urllib.parse.quote(dataset, safe=""), urllib.parse.urlencode(query))
        headers = [("Content-Type", "application/x-ndjson"), ("Accept", "application/x-ndjson"),
                   ("Transfer-Encoding", "chunked")]
        if gzip:
            headers.append(("Content-Encoding", "gzip"))
        if idempotency_key is not None:
            headers.append(("Idempotency-Key", idempotency_key))
        head = self._head("POST", path, headers)

        source = LineSource(records, retain=resume)
        job, attempt = None, 0
        try:
            while True:
                prefix = source.replay if attempt else tuple
                try:
                    for event in self._exchange(head, source, prefix, gzip, retrying=attempt > 0,
                                                resume_timeout=resume_timeout):
                        if isinstance(event, JobStarted):
                            job = event.job
                        elif isinstance(event, ChunkCommitted) and commits_per_chunk:
                            source.confirm(event.last_line)
                        yield event
                    return
                except ConnectionLost as lost:
                    if source.error is not None:
                        raise source.error
                    # Before the job event Tally may not have accepted the upload: nothing to resume.
                    if not resume or job is None or attempt >= max_resumes:
                        raise ConnectionLost(str(lost), job, source.confirmed)
                    attempt += 1
                    yield Resuming("resume", None, {"job": job, "attempt": attempt,
                                                    "committedLine": source.confirmed, "reason": str(lost)})
        finally:
            source.close()

    def _exchange(self, head, source, prefix, gzip, retrying, resume_timeout):
        """One upload request's events; prefix() gives what to send before the source's next lines."""
        deadline = time.monotonic() + resume_timeout
        pause = 0.2
        while True:
            try:
                exchange = Exchange(self.host, self.port, self.timeout)
            except OSError as e:
                if retrying and time.monotonic() < deadline:
                    time.sleep(pause)
                    pause = min(pause * 2, 2.0)
                    continue
                raise ConnectionLost("cannot connect to Tally at %s:%d: %s" % (self.host, self.port, e))
            try:
                source.start()
                exchange.start_sending(head, source, prefix(), gzip)
                try:
                    status, headers = exchange.head()
                    if status >= 400:
                        raise exchange.problem(status, headers)
                    if status != 200:
                        raise TallyHTTPError(status, "Unexpected status", "Tally answered %d to an upload" % status)
                    for event in exchange.events(headers):
                        yield event
                        if isinstance(event, JobEnded):
                            return
                except (OSError, EOFError, ValueError) as e:
                    if isinstance(e, json.JSONDecodeError) or isinstance(e, TallyError):
                        raise
                    raise ConnectionLost("the connection to Tally broke: %s" % _describe(exchange.send_error or e))
                raise ConnectionLost("Tally ended its answer before the job's final event")
            except TallyHTTPError as e:
                # 409 "in use": the job this upload resumes still runs until Tally notices the lost
                # connection; the first upload with the key is not retried.
                if retrying and e.status == 409 and e.title == "Idempotency-Key in use" \
                        and time.monotonic() < deadline:
                    time.sleep(pause)
                    pause = min(pause * 2, 2.0)
                    continue
                raise
            finally:
                exchange.finish()

    def _head(self, method, path, headers):
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%d" % (self.host, self.port),
                 "User-Agent: tally_client"]
        if self.token is not None:
            lines.append("Authorization: Bearer %s" % self.token)
        lines.extend("%s: %s" % h for h in headers)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    # -- jobs and datasets -----------------------------------------------------------------

    def rows(self, job, outcome=None):
        """The job's row log, line by line (dicts), fetched a page at a time."""
        after = 0
        while True:
            query = {"after": after, "limit": ROWS_PAGE}
            if outcome is not None:
                query["outcome"] = outcome
            page = self._get("/v1/jobs/%s/rows" % urllib.parse.quote(job, safe=""), query)
            n = 0
            for line in page.splitlines():
                if line.strip():
                    row = json.loads(line.decode("utf-8"))
                    after = row["line"]
                    n += 1
                    yield row
            if n < ROWS_PAGE:
                return

    def job(self, job):
        """The job document."""
        return json.loads(self._get("/v1/jobs/%s" % urllib.parse.quote(job, safe="")).decode("utf-8"))

    def jobs(self, dataset=None, status=None, limit=None):
        query = {k: v for k, v in (("dataset", dataset), ("status", status), ("limit", limit)) if v is not None}
        return json.loads(self._get("/v1/jobs", query).decode("utf-8"))["jobs"]

    def datasets(self):
        return json.loads(self._get("/v1/datasets").decode("utf-8"))

    def dataset(self, name):
        return json.loads(self._get("/v1/datasets/%s" % urllib.parse.quote(name, safe="")).decode("utf-8"))

    def cancel(self, job):
        """Asks Tally to cancel a running job; returns the job document."""
        return json.loads(self._call("DELETE", "/v1/jobs/%s" % urllib.parse.quote(job, safe=""), None).decode("utf-8"))

    def _get(self, path, query=None):
        return self._call("GET", path, query)

    def _call(self, method, path, query):
        url = self.base_path + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Accept": "application/json, application/x-ndjson"}
        if self.token is not None:
            headers["Authorization"] = "Bearer %s" % self.token
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, url, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as e:
            raise ConnectionLost("%s %s: the connection to Tally broke: %s" % (method, url, e))
        finally:
            conn.close()
        if response.status >= 400:
            try:
                problem = json.loads(body.decode("utf-8"))
            except ValueError:
                problem = {"detail": body.decode("utf-8", "replace")[:2000]}
            raise TallyHTTPError(response.status, problem.get("title"), problem.get("detail"), problem)
        return body


def _describe(error):
    return "%s: %s" % (type(error).__name__, error) if str(error) else type(error).__name__
