"""The run's history: one JSON object per line, timestamped, so that a violation can cite the lines behind it."""

import json
import os
import threading
import time


class History:
    def __init__(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._file = open(path, "w", encoding="utf-8")
        self._lock = threading.Lock()
        self._line = 0
        self.records = []  # (line number, record), for the checker

    def record(self, kind, **fields):
        """Appends one record and returns its line number in the file (1-based)."""
        entry = {"ts": round(time.time(), 3), "kind": kind, **fields}
        with self._lock:
            self._line += 1
            self._file.write(json.dumps(entry, separators=(",", ":"), default=str) + "\n")
            self._file.flush()
            self.records.append((self._line, entry))
            return self._line

    def close(self):
        with self._lock:
            self._file.close()
