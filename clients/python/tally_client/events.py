"""The events of an upload, as ``TallyClient.upload_events`` yields them.

Each is a small object with ``name`` (Tally's event name), ``id`` (its event id) and ``data`` (the
event's JSON object as a dict); the subclasses add attributes for the fields one usually reads.
"""

FINAL_NAMES = ("completed", "failed", "cancelled", "aborted")


class Event(object):
    __slots__ = ("name", "id", "data")

    def __init__(self, name, event_id, data):
        self.name = name
        self.id = event_id
        self.data = data

    @property
    def job(self):
        return self.data.get("job")

    def __repr__(self):
        return "%s(%r, id=%r, data=%r)" % (type(self).__name__, self.name, self.id, self.data)


class JobStarted(Event):
    """``job``: the first event; ``data`` has the job's settings."""

    __slots__ = ()


class ChunkCommitted(Event):
    """``chunk``: one chunk (or, merged, several) and what its lines did.

    ``first_chunk``/``last_chunk`` and ``first_line``/``last_line`` say what it covers; ``counts``
    are its own counts, ``totals`` the job's so far; ``skipped``/``rejected`` list at most a
    configured number of rows (``truncated`` when cut: the job's row log has them all).
    """

    __slots__ = ()

    @property
    def first_chunk(self):
        return self.data["chunk"] if "chunk" in self.data else self.data["chunks"]["first"]

    @property
    def last_chunk(self):
        return self.data["chunk"] if "chunk" in self.data else self.data["chunks"]["last"]

    @property
    def first_line(self):
        return self.data["lines"]["first"]

    @property
    def last_line(self):
        return self.data["lines"]["last"]

    @property
    def counts(self):
        return self.data["counts"]

    @property
    def totals(self):
        return self.data["totals"]

    @property
    def skipped(self):
        return self.data.get("skipped", [])

    @property
    def rejected(self):
        return self.data.get("rejected", [])

    @property
    def truncated(self):
        return bool(self.data.get("truncated"))


class JobEnded(Event):
    """The final event, named as the job's status: completed, failed, cancelled or aborted."""

    __slots__ = ()

    @property
    def status(self):
        return self.data.get("status", self.name)

    @property
    def totals(self):
        return self.data["totals"]

    @property
    def error(self):
        return self.data.get("error")


class Resuming(Event):
    """Not Tally's: the client lost its connection and sends the upload again under its
    Idempotency-Key. ``data`` has ``job``, ``attempt``, ``committedLine`` and ``reason``."""

    __slots__ = ()


def event_of(name, event_id, data):
    if name == "job":
        return JobStarted(name, event_id, data)
    if name == "chunk":
        return ChunkCommitted(name, event_id, data)
    if name in FINAL_NAMES:
        return JobEnded(name, event_id, data)
    return Event(name, event_id, data)
