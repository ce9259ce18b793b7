"""The exceptions tally_client raises."""


class TallyError(Exception):
    """Base class of every error tally_client raises on its own."""


class TallyHTTPError(TallyError):
    """Tally refused a request: an HTTP status >= 400, with its RFC 9457 problem document."""

    def __init__(self, status, title=None, detail=None, problem=None):
        self.status = status
        self.title = title
        self.detail = detail
        self.problem = problem if problem is not None else {}
        super().__init__("HTTP %d %s: %s" % (status, title or "", detail or ""))


class ConnectionLost(TallyError):
    """The connection to Tally broke before the job's final event arrived.

    ``job`` is the job id when its first event had arrived (else None), ``committed_line`` the last
    line that a chunk event reported committed. Sending the same records again with the same
    Idempotency-Key resumes the job (``TallyClient.upload`` does so by itself when it can).
    """

    def __init__(self, message, job=None, committed_line=0):
        self.job = job
        self.committed_line = committed_line
        super().__init__(message)
