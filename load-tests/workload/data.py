"""The data directory: generated files and cached expectations, made once and reused."""

import hashlib
import json
import time
from pathlib import Path

from .common import log, write_atomically
from .lines import ndjson_chunks

PACKAGE = Path(__file__).resolve().parent
MODEL_SOURCES = ("common.py", "lines.py", "model.py", "scenarios.py")  # what an expectation depends on


def ensure_file(path, chunks):
    path = Path(path)
    if not path.exists():
        t = time.monotonic()
        write_atomically(path, chunks())
        log(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - t:.1f} s")
    return path.resolve()


def ensure_upload(sc, data_dir):
    return ensure_file(data_dir / sc.upload_name(), lambda: ndjson_chunks(sc.lines, sc.version, sc.dirty))


def expectation(sc, data_dir):
    """The scenario's expectation, cached in the data dir and keyed by the text of the code that computes it."""
    digest = hashlib.sha1(b"".join((PACKAGE / f).read_bytes() for f in MODEL_SOURCES)).hexdigest()[:10]
    path = data_dir / f"expect-{sc.name}-{sc.n}-{digest}.json"
    if path.exists():
        return json.loads(path.read_text())
    t = time.monotonic()
    exp = sc.expectation()
    for stale in data_dir.glob(f"expect-{sc.name}-{sc.n}-*.json"):
        stale.unlink()
    write_atomically(path, [json.dumps(exp)])
    log(f"computed the {sc.name} N={sc.n} expectation in {time.monotonic() - t:.1f} s")
    return exp
