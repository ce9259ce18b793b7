"""The standard workload's lines (docs/benchmark.md), and the preload rows as CSV.

No randomness: a line depends only on its key i and version v, so the same arguments give the same bytes."""

import datetime as dt
import functools

from .common import BATCH


TIERS = ("gold", "silver", "bronze")
EPOCH_ORDINAL = dt.date(2026, 1, 1).toordinal()
HMS = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
LINE = ('{"id":%d,"email":"c%d@example.com","name":"Customer %d v%d","balance":%s,'
        '"attrs":{"tier":"%s","n":%d},"updated_at":"%sT%sZ"}')


@functools.lru_cache(maxsize=None)
def day(d):
    return dt.date.fromordinal(EPOCH_ORDINAL + d).isoformat()


def balance(i):
    c = i * 37 % 1_000_000  # cents
    return "%d.%02d" % (c // 100, c % 100)


def updated_at(i, v):
    d, r = divmod(i + v * 86_400, 86_400)
    return day(d), HMS[r]


def clean_line(i, v, bal=None):
    """Line for key i, version v, without its '\\n'."""
    d, t = updated_at(i, v)
    return LINE % (i, i, i, v, balance(i) if bal is None else bal, TIERS[i % 3], i % 7, d, t)


def workload_line(i, v, dirty):
    """S5's rules, in this order of precedence (they never overlap)."""
    if dirty:
        if i % 100 == 0:
            line = clean_line(i, v)
            return line[: len(line) // 2]
        if i % 100 == 50:
            return clean_line(i, v, bal='"x"')
        if i % 200 == 7:
            return clean_line(i - 1, v)
    return clean_line(i, v)


def batches(n, v, dirty=False):
    """Lists of lines (without '\\n') for keys 1..n, BATCH at a time."""
    for lo in range(1, n + 1, BATCH):
        yield [workload_line(i, v, dirty) for i in range(lo, min(n, lo + BATCH - 1) + 1)]


def ndjson_chunks(n, v, dirty):
    for b in batches(n, v, dirty):
        yield "\n".join(b) + "\n"


def preload_csv_chunks(n, v):
    """Rows for keys 1..n, version v, as CSV for COPY (computed directly, not through the model)."""
    for lo in range(1, n + 1, BATCH):
        out = []
        for i in range(lo, min(n, lo + BATCH - 1) + 1):
            d, t = updated_at(i, v)
            out.append('%d,c%d@example.com,Customer %d v%d,%s,"{""tier"":""%s"",""n"":%d}",%sT%sZ\n'
                       % (i, i, i, v, balance(i), TIERS[i % 3], i % 7, d, t))
        yield "".join(out)
