"""What every part of the workload shares: defaults, the totals' names, file writing, logging."""

import os
import sys
import tempfile
from pathlib import Path


HERE = Path(__file__).resolve().parent.parent  # load-tests
ROOT = HERE.parent  # the repository
DEFAULT_URL = "http://localhost:8080"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/tally"
DEFAULT_TOKEN = "tally-demo-token"  # the demo profile's well-known admin token
DATASET = "customers"
TOTAL_KEYS = ("received", "inserted", "updated", "unchanged", "skipped", "rejected")
FINAL_EVENTS = ("completed", "failed", "cancelled", "aborted")
BATCH = 10_000  # lines built per write
BLOCK = 100_000  # ids per checksum block: a mismatch names the block, and no string nears 1 GB


def write_atomically(path, chunks):
    """Write str chunks to path through a temporary file, so an interrupted run leaves no cache."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the file from other users
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def log(msg):
    print(msg, file=sys.stderr, flush=True)
