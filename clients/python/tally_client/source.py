"""The records of an upload as NDJSON lines, read lazily by a thread of their own.

A producer thread iterates the caller's records and encodes them into a bounded buffer; the
connection's sender takes what is there in batches. Taking whatever is buffered after a short wait,
instead of waiting for a full batch, lets a slow source's lines reach Tally without delay.
Lines sent but not yet reported committed are kept (when the upload can resume) so that a new
connection can send them again at their line numbers.
"""

import collections
import json
import threading
import time

BATCH_BYTES = 64 * 1024
MAX_PENDING_BYTES = 1024 * 1024
FLUSH_AFTER = 0.05  # seconds a partial batch waits for more lines


def encode(record):
    """One record as one NDJSON line, b'\\n' included."""
    if isinstance(record, dict):
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    elif isinstance(record, str):
        line = record.encode("utf-8")
    elif isinstance(record, (bytes, bytearray, memoryview)):
        line = bytes(record)
    else:
        raise TypeError("a record is a dict, str or bytes, not %s" % type(record).__name__)
    if line.endswith(b"\n"):
        line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
    if b"\n" in line:
        raise ValueError("a str or bytes record is one line; this one holds a line break inside")
    return line + b"\n"


class LineSource(object):
    def __init__(self, records, retain):
        self._records = records
        self._retain = retain
        self._cond = threading.Condition()
        self._pending = []
        self._pending_bytes = 0
        self._ended = False
        self._closed = False
        self.error = None
        self._taken = 0  # the last line number handed to a sender
        self._confirmed = 0  # the last line a chunk event reported committed
        self._retained = collections.deque()  # (first line, lines) taken but maybe not committed
        self._thread = None

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._produce, name="tally-records", daemon=True)
            self._thread.start()

    def _produce(self):
        cond = self._cond
        try:
            for record in self._records:
                line = encode(record)
                with cond:
                    while self._pending_bytes >= MAX_PENDING_BYTES and not self._closed:
                        cond.wait()
                    if self._closed:
                        return
                    self._pending.append(line)
                    self._pending_bytes += len(line)
                    if self._pending_bytes >= BATCH_BYTES:
                        cond.notify_all()
        except BaseException as e:  # the caller's iterator failed: the upload stops with its error
            self.error = e
        finally:
            with cond:
                self._ended = True
                cond.notify_all()

    def take(self, stopped):
        """The next batch of lines, or None at the end (or once stopped() or the source failed)."""
        cond = self._cond
        deadline = None
        with cond:
            while True:
                if self.error is not None or stopped():
                    return None
                if self._pending_bytes >= BATCH_BYTES or (self._ended and self._pending):
                    break
                if self._ended:
                    return None
                if self._pending:
                    now = time.monotonic()
                    if deadline is None:
                        deadline = now + FLUSH_AFTER
                    elif now >= deadline:
                        break  # a partial batch waited long enough: send what is there
                    cond.wait(deadline - now)
                else:
                    cond.wait(FLUSH_AFTER)
            batch = self._pending
            self._pending = []
            self._pending_bytes = 0
            cond.notify_all()
            if self._retain:
                self._retained.append((self._taken + 1, batch))
            self._taken += len(batch)
            return batch

    def confirm(self, last_line):
        """A chunk event reported lines up to last_line committed: they need never be sent again."""
        with self._cond:
            if last_line > self._confirmed:
                self._confirmed = last_line
            retained = self._retained
            while retained and retained[0][0] + len(retained[0][1]) - 1 <= self._confirmed:
                retained.popleft()

    @property
    def confirmed(self):
        return self._confirmed

    def replay(self):
        """What a new connection sends before the next batch: a blank line for each line known to be
        committed (Tally counts line numbers physically and skips lines it holds), then the lines
        sent since, as they were."""
        with self._cond:
            if not self._retain:
                raise ValueError("this upload keeps no lines to send again")
            blanks = self._confirmed
            lines = []
            for first, batch in self._retained:
                for offset, line in enumerate(batch):
                    if first + offset > blanks:
                        lines.append(line)
        while blanks > 0:
            n = min(blanks, BATCH_BYTES)
            yield [b"\n" * n]
            blanks -= n
        for i in range(0, len(lines), 1000):
            yield lines[i:i + 1000]

    def close(self):
        """No more lines are wanted: the producer stops at its next line."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
