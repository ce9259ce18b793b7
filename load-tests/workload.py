#!/usr/bin/env python3
"""Tally's standard workload (shared/BENCHMARK.md): generator, expected outcomes, scenario runner.

Subcommands:
  generate --n N --version V [--dirty] --out FILE   write the workload lines
  expect   --scenario S --n N                       expected final totals, as JSON
  run      --scenario S|all --n N [...]             prepare the table, upload through Tally, check
  selftest --db URL [--n N]                         check generator, model and checksums on a scratch db
  bench    [--n N] [--rounds R] [...]               start Tally, run the scenarios and the COPY baselines
                                                    side by side, print one table, add it to RESULTS.md

Standard library only. The expected outcomes come from a line-by-line model of the API's rules
(parse, convert, apply in file order), cross-checked against closed-form counts.
"""

import argparse
import datetime as dt
import functools
import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "http://localhost:8080"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/tally"
DEFAULT_TOKEN = "tally-demo-token"  # the demo profile's well-known admin token
DATASET = "customers"
TOTAL_KEYS = ("received", "inserted", "updated", "unchanged", "skipped", "rejected")
FINAL_EVENTS = ("completed", "failed", "cancelled", "aborted")
BATCH = 10_000  # lines built per write
BLOCK = 100_000  # ids per checksum block: a mismatch names the block, and no string nears 1 GB

# ---------------------------------------------------------------------------------------------
# Lines

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


# ---------------------------------------------------------------------------------------------
# The model: one line at a time, as API.md describes the outcome of each line.
# A row is a tuple of canonical texts, the same texts the SQL checksum renders:
# (email, name, balance as numeric(12,2) prints it, attrs as jsonb prints it or None, UTC instant).

COLUMNS = ("id", "email", "name", "balance", "attrs", "updated_at")
ROW_COLUMNS = COLUMNS[1:]
REQUIRED_ON_INSERT = ("email", "name", "updated_at")  # NOT NULL without default
CENT = Decimal("0.01")
BALANCE_LIMIT = Decimal(10) ** 10  # numeric(12,2)


class Reject(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _no_constant(name):
    raise ValueError(name)  # NaN, Infinity: not JSON


DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)


def jsonb_text(v):
    """jsonb's output form: keys by length then bytes, ', ' and ': ' separators."""
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: (len(k.encode()), k.encode()))
        return "{" + ", ".join(f"{jsonb_string(k)}: {jsonb_text(v[k])}" for k in keys) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(jsonb_text(x) for x in v) + "]"
    if isinstance(v, str):
        return jsonb_string(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


# Python's JSON string encoder (without ensure_ascii) escapes exactly what jsonb's output does:
# '"', '\\', \b \f \n \r \t, other control characters as \\u00xx; everything else as it is.
jsonb_string = json.encoder.encode_basestring


def parse(text):
    """Line text -> (key, {column: canonical value}) for the columns present; raises Reject."""
    try:
        obj = DECODER.decode(text)
    except ValueError:
        raise Reject("invalid_json") from None
    if not isinstance(obj, dict):
        raise Reject("not_an_object")
    for k in obj:
        if k not in COLUMNS:
            raise Reject("unknown_field")
    key = obj.get("id")
    if key is None:
        raise Reject("missing_key")
    if type(key) is not int:
        raise Reject("type_mismatch")
    if not -(2 ** 63) <= key < 2 ** 63:
        raise Reject("out_of_range")
    row = {}
    for col in ROW_COLUMNS:
        if col not in obj:
            continue
        v = obj[col]
        if v is None and col != "attrs":
            raise Reject("missing_required")
        if col in ("email", "name"):
            if type(v) is not str:
                raise Reject("type_mismatch")
            row[col] = v
        elif col == "balance":
            if type(v) not in (int, Decimal):
                raise Reject("type_mismatch")
            try:
                q = Decimal(v).quantize(CENT, rounding=ROUND_HALF_UP)
            except InvalidOperation:
                raise Reject("out_of_range") from None
            if abs(q) >= BALANCE_LIMIT:
                raise Reject("out_of_range")
            row[col] = str(q if q else Decimal("0.00"))
        elif col == "attrs":
            row[col] = None if v is None else jsonb_text(v)
        else:  # updated_at
            if type(v) is not str:
                raise Reject("type_mismatch")
            try:
                t = dt.datetime.fromisoformat(v)
            except ValueError:
                raise Reject("type_mismatch") from None
            if t.tzinfo is None:
                raise Reject("naive_timestamp")
            # the checksum renders whole seconds (to_char ... SS), so does the model
            row[col] = v if len(v) == 20 and v[10] == "T" and v[-1] == "Z" else \
                t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return key, row


class Model:
    """The table (key -> row tuple) and the email unique index, with the job's totals."""

    def __init__(self):
        self.rows = {}
        self.emails = {}
        self.totals = dict.fromkeys(TOTAL_KEYS, 0)
        self.reasons = {}  # "rejected:invalid_json" -> count, "skipped:exists" -> count

    def _count(self, outcome, reason=None):
        self.totals[outcome] += 1
        if reason:
            k = f"{outcome}:{reason}"
            self.reasons[k] = self.reasons.get(k, 0) + 1

    def apply(self, text, policy):
        if not text.strip():
            return  # a blank line is not a record
        self.totals["received"] += 1
        try:
            key, row = parse(text)
        except Reject as r:
            return self._count("rejected", r.code)
        cur = self.rows.get(key)
        if cur is None:
            if any(c not in row for c in REQUIRED_ON_INSERT):
                return self._count("rejected", "missing_required")
            new = (row["email"], row["name"], row.get("balance", "0.00"), row.get("attrs"),
                   row["updated_at"])
            outcome = "inserted"
        elif policy == "skip":
            return self._count("skipped", "exists")
        elif policy == "update":
            new = tuple(row.get(c, old) for c, old in zip(ROW_COLUMNS, cur))
            if new == cur:
                return self._count("unchanged")
            outcome = "updated"
        else:
            raise ValueError(f"the model knows policies skip and update, not {policy}")
        if self.emails.get(new[0], key) != key:
            return self._count("rejected", "constraint_violation")
        if cur is not None and cur[0] != new[0]:
            del self.emails[cur[0]]
        self.rows[key] = new
        self.emails[new[0]] = key
        self._count(outcome)

    def canonical_rows(self):
        """(id, checksum text) in id order."""
        for key in sorted(self.rows):
            yield key, row_text(key, self.rows[key])


NULL_TEXT = "\\N"  # what coalesce(attrs::text, '\N') gives for NULL


def row_text(key, row):
    email, name, bal, attrs, ts = row
    return f"{key}|{email}|{name}|{bal}|{NULL_TEXT if attrs is None else attrs}|{ts}"


def canonical_row(i, v):
    """Row for key i, version v, computed directly (the model's result for a clean line)."""
    d, t = updated_at(i, v)
    return (f"c{i}@example.com", f"Customer {i} v{v}", balance(i),
            f'{{"n": {i % 7}, "tier": "{TIERS[i % 3]}"}}', f"{d}T{t}Z")


# ---------------------------------------------------------------------------------------------
# Scenarios

SCENARIOS = {
    # name: (preload (keys, version) as a function of N or None, upload version, dirty, policy, scale)
    "S1": (None, 0, False, "skip", 1),
    "S2": (lambda n: (n // 2, 0), 0, False, "skip", 1),
    "S3": (lambda n: (n // 2, 0), 1, False, "update", 1),
    "S4": (lambda n: (n, 1), 1, False, "update", 1),
    "S5": (None, 0, True, "update", 1),
    "M10": (None, 0, False, "skip", 10),  # run only when named: 10N lines
}
ALL = ("S1", "S2", "S3", "S4", "S5")


class Scenario:
    def __init__(self, name, n):
        preload, self.version, self.dirty, self.policy, scale = SCENARIOS[name]
        self.name, self.n = name, n
        self.lines = n * scale
        self.preload = preload(n) if preload else None  # (keys, version)

    def upload_name(self):
        return f"v{self.version}-{self.lines}{'-dirty' if self.dirty else ''}.ndjson"

    def closed_form(self):
        n, t = self.lines, dict.fromkeys(TOTAL_KEYS, 0)
        t["received"] = n
        pre = self.preload[0] if self.preload else 0
        if self.dirty:
            t["rejected"] = n // 100 + (n + 50) // 100  # i%100==0, i%100==50
            t["unchanged"] = (n + 193) // 200  # i%200==7: a copy of the row just inserted
            t["inserted"] = n - t["rejected"] - t["unchanged"]
        elif self.policy == "skip":
            t["skipped"], t["inserted"] = pre, n - pre
        elif self.preload and self.preload[1] == self.version:
            t["unchanged"], t["inserted"] = pre, n - pre
        else:
            t["updated"], t["inserted"] = pre, n - pre
        return t

    def preloaded(self):
        """The model of the table before the upload."""
        m = Model()
        if self.preload:
            keys, v = self.preload
            for i in range(1, keys + 1):
                m.rows[i] = canonical_row(i, v)
                m.emails[m.rows[i][0]] = i
        return m

    def simulate(self):
        m = self.preloaded()
        for b in batches(self.lines, self.version, self.dirty):
            for line in b:
                m.apply(line, self.policy)
        return m

    def expectation(self, model=None):
        """{"totals", "reasons", "blocks"}; the model (simulated unless given) must agree with the closed form."""
        closed = self.closed_form()
        if self.name == "M10":
            return {"totals": closed, "reasons": {}, "blocks": block_digests(self.expected_rows())}
        m = model or self.simulate()
        if m.totals != closed:
            raise SystemExit(f"{self.name} N={self.n}: model {m.totals} != closed form {closed}")
        return {"totals": m.totals, "reasons": m.reasons, "blocks": block_digests(m.canonical_rows())}

    def expected_rows(self, model=None):
        """The final table as (id, checksum text) in id order."""
        if self.name == "M10":  # 10N rows in a dict is not worth it: clean inserts only
            return ((i, row_text(i, canonical_row(i, self.version))) for i in range(1, self.lines + 1))
        return (model or self.simulate()).canonical_rows()


def block_digests(rows):
    """[[block, count, sum(id), md5], ...] over (id, text) in id order, as CHECKSUM_SQL computes."""
    out, cur, h = [], None, None
    for key, text in rows:
        b = key // BLOCK
        if b != cur:
            if cur is not None:
                out.append([cur, count, total, h.hexdigest()])
            cur, count, total, h = b, 0, 0, hashlib.md5()
            h.update(text.encode())
        else:
            h.update(("\n" + text).encode())
        count += 1
        total += key
    if cur is not None:
        out.append([cur, count, total, h.hexdigest()])
    return out


ROW_TEXT_SQL = ("id::text||'|'||email||'|'||name||'|'||balance::text||'|'||coalesce(attrs::text,'\\N')"
                "||'|'||to_char(updated_at AT TIME ZONE 'UTC','YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
CHECKSUM_SQL = (f"SELECT id / {BLOCK}, count(*), sum(id), md5(string_agg({ROW_TEXT_SQL}, E'\\n' ORDER BY id)) "
                f"FROM {DATASET} GROUP BY 1 ORDER BY 1")


# ---------------------------------------------------------------------------------------------
# Database

class DbError(Exception):
    pass


def psql(db, *commands, script=None):
    """Run commands (each its own -c, so VACUUM works) or a script; return stdout lines."""
    args = ["psql", db, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", " "]
    for c in commands:
        args += ["-c", c]
    if script is not None:
        args += ["-f", "-"]
    p = subprocess.run(args, input=script, capture_output=True, text=True)
    if p.returncode != 0:
        raise DbError(p.stderr.strip() or f"psql exited {p.returncode}")
    return p.stdout.splitlines()


def sql_literal(s):
    return "'" + str(s).replace("'", "''") + "'"


def table_blocks(db):
    return [[int(b), int(c), int(s), md5] for b, c, s, md5 in (l.split(" ") for l in psql(db, CHECKSUM_SQL))]


def compare_blocks(expected, actual):
    """None when equal, else (message, the first differing block)."""
    if expected == actual:
        return None
    exp_count, act_count = sum(b[1] for b in expected), sum(b[1] for b in actual)
    e, a = {b[0]: b for b in expected}, {b[0]: b for b in actual}
    bad = next(k for k in sorted(set(e) | set(a)) if e.get(k) != a.get(k))
    msg = f"rows {act_count}, expected {exp_count}; block {bad} (ids {bad * BLOCK}..{bad * BLOCK + BLOCK - 1}) " \
          f"is {a.get(bad)}, expected {e.get(bad)}"
    return msg, bad


def differing_rows(db, expected_rows, block, limit=3):
    """The first rows of a block that differ between the table and the expected (id, text) rows."""
    lo, hi = block * BLOCK, block * BLOCK + BLOCK
    want = {k: t for k, t in expected_rows if lo <= k < hi}
    have = {int(t.split("|", 1)[0]): t for t in
            psql(db, f"SELECT {ROW_TEXT_SQL} FROM {DATASET} WHERE id / {BLOCK} = {block} ORDER BY id")}
    out = []
    for k in sorted(set(want) | set(have)):
        if want.get(k) != have.get(k):
            out.append(f"id {k}: table {have.get(k, 'no row')!r}, expected {want.get(k, 'no row')!r}")
            if len(out) == limit:
                break
    return out


def prepare_table(db, sc, data_dir):
    """TRUNCATE, then preload with COPY (never through Tally); returns the preloaded row count."""
    psql(db, f"TRUNCATE {DATASET}")
    keys = 0
    if sc.preload:
        keys, v = sc.preload
        csv_path = ensure_file(data_dir / f"preload-v{v}-{keys}.csv", lambda: preload_csv_chunks(keys, v))
        psql(db, f"\\copy {DATASET} (id, email, name, balance, attrs, updated_at) FROM {sql_literal(csv_path)} "
                 "WITH (FORMAT csv)")
    psql(db, f"VACUUM ANALYZE {DATASET}")
    try:
        psql(db, "CHECKPOINT")  # fewer dirty pages to flush while timing; needs superuser or pg_checkpoint
    except DbError:
        pass
    got = int(psql(db, f"SELECT count(*) FROM {DATASET}")[0])
    if got != keys:
        raise DbError(f"preload left {got} rows, expected {keys}")
    return keys


ROW_VERSIONS = "bench_row_versions"  # the table's row versions before an upload, in the same database


def snapshot_row_versions(db):
    """Store every row's physical version: an UPDATE (HOT or not) or INSERT makes a new ctid and xmin,
    so comparing after the upload counts the rows written, unlike pg_stat counters (flushed lazily)."""
    psql(db, f"SET client_min_messages = warning; DROP TABLE IF EXISTS {ROW_VERSIONS}",
         f"CREATE UNLOGGED TABLE {ROW_VERSIONS} AS SELECT id, ctid AS tid, xmin::text AS xid FROM {DATASET}")
    try:
        psql(db, "CHECKPOINT")  # as prepare_table: the snapshot's pages are not flushed while timing
    except DbError:
        pass


def count_new_row_versions(db):
    """Rows that are new, gone or another version than at the snapshot; drops the snapshot."""
    n = psql(db, f"SELECT count(*) FROM {DATASET} t FULL JOIN {ROW_VERSIONS} s USING (id) "
                 "WHERE t.id IS NULL OR s.id IS NULL OR t.ctid <> s.tid OR t.xmin::text <> s.xid")
    psql(db, f"DROP TABLE {ROW_VERSIONS}")
    return int(n[0])


# ---------------------------------------------------------------------------------------------
# Files

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
    """The scenario's expectation, cached in the data dir and keyed by this script's text."""
    digest = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:10]
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


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Upload

class RssPoller(threading.Thread):
    """Samples VmRSS of pid every 100 ms; also resets and reads VmHWM when the kernel lets us."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.status = f"/proc/{pid}/status"
        self.peak_kb = self.last_kb = 0
        self.stop_event = threading.Event()
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS: a per-scenario peak
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False

    def read(self):
        values = {}
        try:
            with open(self.status) as f:
                for line in f:
                    if line.startswith(("VmRSS:", "VmHWM:")):
                        k, v = line.split(":")
                        values[k] = int(v.split()[0])
        except OSError:
            pass
        return values

    def run(self):
        while True:
            v = self.read()
            if "VmRSS" in v:
                self.last_kb = v["VmRSS"]
                self.peak_kb = max(self.peak_kb, self.last_kb)
            if self.stop_event.wait(0.1):
                break

    def stop(self):
        self.stop_event.set()
        self.join()
        v = self.read()
        if self.hwm_reset and "VmHWM" in v:
            self.peak_kb = max(self.peak_kb, v["VmHWM"])
        return self.peak_kb


def upload(url, token, path, policy, timeout, chunk_size=None, rss=None, rss_mark=None):
    """Stream the file through curl, sending the token as Authorization: Bearer, and read the event
    stream as it arrives.

    Returns a dict: seconds (curl start -> final event), first_chunk (seconds), final (event or None),
    chunk_sum (counts summed over chunk events), problems (list of str), job, and rss_marks:
    {k: the service's RSS in kB when the chunk events first reported line k * rss_mark}.
    """
    query = f"onConflict={policy}" + (f"&chunkSize={chunk_size}" if chunk_size else "")
    cmd = ["curl", "-sS", "-N", "-T", str(path), "-X", "POST",
           "-H", "Content-Type: application/x-ndjson", "-H", "Transfer-Encoding: chunked",
           "-H", "Expect:", "-H", "Accept: application/x-ndjson", "-H", f"Authorization: Bearer {token}",
           f"{url.rstrip('/')}/v1/datasets/{DATASET}/records?{query}"]
    res = {"seconds": None, "first_chunk": None, "final": None, "job": None, "rss_marks": {},
           "chunk_sum": dict.fromkeys(TOTAL_KEYS, 0), "problems": [], "chunk_events": 0}
    other = []  # output that is not an event: a problem document, an HTML error page...
    sse = {"event": None}

    def handle(raw, now):
        line = raw.strip()
        if not line or line.startswith(b":"):
            return  # keep-alive
        if line.startswith(b"event:"):  # tolerate an SSE response
            sse["event"] = line[6:].strip().decode()
            return
        if line.startswith((b"id:", b"retry:")):
            return
        is_data = line.startswith(b"data:")
        try:
            ev = json.loads(line[5:] if is_data else line)
        except ValueError:
            ev = None
        name = ev.get("event") or (sse["event"] if is_data else None) if isinstance(ev, dict) else None
        sse["event"] = None
        if name is None:
            other.append(raw.decode(errors="replace"))
        elif name == "job":
            res["job"] = ev.get("job")
        elif name in FINAL_EVENTS:
            if res["final"] is None:
                res["final"], res["seconds"] = dict(ev, event=name), now
            else:
                res["problems"].append(f"a second final event: {name}")
        elif "counts" in ev:  # "chunk", or merged chunks
            try:
                on_chunk(res, ev, now, rss, rss_mark)
            except (TypeError, ValueError, AttributeError) as e:
                res["problems"].append(f"malformed chunk event ({e}): {raw[:500]!r}")

    with tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        timed_out, lingered, timers = threading.Event(), threading.Event(), []

        def arm(seconds, flag):
            def fire():
                flag.set()
                proc.kill()
            timers.append(threading.Timer(seconds, fire))
            timers[-1].start()

        arm(timeout, timed_out)
        try:
            for raw in proc.stdout:
                had_final = res["final"] is not None
                handle(raw, time.monotonic() - t0)
                if res["final"] is not None and not had_final:
                    timers[-1].cancel()
                    arm(10, lingered)  # the response should end with the final event
            rc = proc.wait()
        finally:
            for t in timers:
                t.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        stderr = err.read().decode(errors="replace").strip()
    if lingered.is_set():
        res["problems"].append("the response did not end within 10 s of the final event")
    if timed_out.is_set():
        res["problems"].append(f"killed curl after --timeout {timeout:g} s")
    if rc != 0:
        res["problems"].append(f"curl exited {rc}: {stderr or '(no stderr)'}")
    if res["final"] is None:
        res["problems"].append("no final event" + ("" if rc else f" (curl exited 0; stderr: {stderr or '-'})"))
    if other:
        body = "".join(other)
        res["problems"].append("non-event output: " + (body[:2000] + "..." if len(body) > 2000 else body))
    return res


def on_chunk(res, ev, now, rss, rss_mark):
    if res["first_chunk"] is None:
        res["first_chunk"] = now
    res["chunk_events"] += 1
    counts, totals = ev.get("counts") or {}, ev.get("totals") or {}
    for k in TOTAL_KEYS:
        res["chunk_sum"][k] += int(counts.get(k, 0))
    for label, c in (("counts", counts), ("totals", totals)):
        if c and c.get("received") != sum(int(c.get(k, 0)) for k in TOTAL_KEYS[1:]):
            res["problems"].append(f"chunk {ev.get('chunk', ev.get('chunks'))}: {label} do not add up: {c}")
    if rss and rss_mark:
        # time maps to lines through the events as they arrive: this event says line `last` is done
        last = int((ev.get("lines") or {}).get("last") or totals.get("received", 0))
        marks, k = res["rss_marks"], last // rss_mark
        if k >= 1 and k not in marks:
            kb = rss.read().get("VmRSS", rss.last_kb)  # now, not the poller's last sample
            for j in range(max(marks, default=0) + 1, k + 1):  # a merged event may pass several marks
                marks[j] = kb


# ---------------------------------------------------------------------------------------------
# Run

def run_scenario(name, args, data_dir, row_versions=False):
    """Prepare the table, upload through Tally, check. With row_versions, also count the rows whose
    version (ctid, xmin) the upload replaced or added: 0 means the upload wrote no row."""
    sc = Scenario(name, args.n)
    row = {"scenario": name, "n": sc.lines, "policy": sc.policy, "seconds": None, "rows_per_s": None,
           "first_chunk": None, "totals_ok": False, "table_ok": False, "peak_rss_mb": None, "notes": []}
    path = ensure_upload(sc, data_dir)
    exp = expectation(sc, data_dir)
    try:
        prepare_table(args.db, sc, data_dir)
        if row_versions:
            snapshot_row_versions(args.db)
    except DbError as e:
        row["notes"].append(f"table preparation failed: {e}")
        return row
    rss = RssPoller(args.pid) if args.pid else None
    if rss:
        rss.start()
    res = upload(args.url, args.token, path, sc.policy, args.timeout, args.chunk_size, rss,
                 rss_mark=sc.n if name == "M10" else None)
    if rss:
        row["peak_rss_mb"] = rss.stop() / 1024
        if name == "M10":
            marks = res["rss_marks"]
            row["rss_marks_mb"] = {k: kb / 1024 for k, kb in sorted(marks.items())}
            row["rss_after_n_mb"] = marks[1] / 1024 if 1 in marks else None
            row["rss_after_10n_mb"] = marks[10] / 1024 if 10 in marks else None
            row["notes"].append(f"RSS after N lines {fmt(row['rss_after_n_mb'], '.0f')} MB, "
                                f"after 10N {fmt(row['rss_after_10n_mb'], '.0f')} MB")
    if row_versions:
        try:
            row["new_row_versions"] = count_new_row_versions(args.db)
            row["notes"].append(f"new row versions: {row['new_row_versions']}")
        except DbError as e:
            row["notes"].append(f"row version check failed: {e}")
    row["seconds"], row["first_chunk"] = res["seconds"], res["first_chunk"]
    if res["seconds"]:
        row["rows_per_s"] = sc.lines / res["seconds"]
    row["notes"] += res["problems"]
    final = res["final"]
    if final is not None:
        totals = {k: (final.get("totals") or {}).get(k) for k in TOTAL_KEYS}
        ok = final["event"] == "completed" and not res["problems"]
        if final["event"] != "completed" or final.get("error"):
            row["notes"].append(f"final event {final['event']}: error {final.get('error')}")
        if totals != exp["totals"]:
            ok = False
            row["notes"].append(f"totals {totals}, expected {exp['totals']}")
        if res["chunk_sum"] != totals:
            ok = False
            row["notes"].append(f"chunk events' counts sum to {res['chunk_sum']}, final totals {totals}")
        row["totals_ok"] = ok
        row["job"] = res["job"]
    row["table_ok"], note = check_table(args.db, sc, exp)
    if note:
        row["notes"].append(note)
    return row


def check_table(db, sc, exp, model=None):
    """(ok, note); on a mismatch the note shows the first differing rows (the model is rebuilt for that)."""
    try:
        diff = compare_blocks(exp["blocks"], table_blocks(db))
        if diff is None:
            return True, None
        msg, bad = diff
        rows = "; ".join(differing_rows(db, sc.expected_rows(model), bad))
    except DbError as e:
        return False, f"table check failed: {e}"
    return False, f"table: {msg}; {rows}"


def fmt_mb(kb):
    return "-" if kb is None else f"{kb / 1024:.0f}"


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_table(rows):
    head = f"{'scenario':<9}{'N':>10} {'policy':<7}{'seconds':>9}{'rows/s':>11}{'1st chunk s':>12} " \
           f"{'totals':<7}{'table':<6}{'peak RSS MB':>11}"
    print(head)
    for r in rows:
        print(f"{r['scenario']:<9}{r['n']:>10} {r['policy']:<7}{fmt(r['seconds'], '.2f'):>9}"
              f"{fmt(r['rows_per_s'], ',.0f'):>11}{fmt(r['first_chunk'], '.3f'):>12} "
              f"{'OK' if r['totals_ok'] else 'FAIL':<7}{'OK' if r['table_ok'] else 'FAIL':<6}"
              f"{fmt(r['peak_rss_mb'], '.0f'):>11}")
    for r in rows:
        for note in r["notes"]:
            print(f"  {r['scenario']}: {note}")
    sys.stdout.flush()


def cmd_run(args):
    data_dir = Path(args.data_dir)
    names = ALL if args.scenario == "all" else (args.scenario,)
    if args.pid and not Path(f"/proc/{args.pid}/status").exists():
        raise SystemExit(f"no process {args.pid}")
    rows = []
    for name in names:
        log(f"--- {name} N={args.n}")
        rows.append(run_scenario(name, args, data_dir, row_versions=name == "S4"))
    print_table(rows)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["totals_ok"] and r["table_ok"] for r in rows) else 1


# ---------------------------------------------------------------------------------------------
# Bench: the issue's benchmark in one command. Starts Tally on a fresh database, runs the scenarios
# in interleaved rounds, each Tally upload followed by its baselines on the same server and table:
#   B0: plain COPY of the same rows into the empty table (S1);
#   B1: COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT ... RETURNING that
#       gives the same accounting (S1..S4).
# Then M10 once. Prints one table, appends the run to RESULTS.md.

ROOT = HERE.parent
BENCH_SCENARIOS = ("S1", "S2", "S3", "S4", "S5", "M10")
B0_SCENARIOS = ("S1",)
B1_SCENARIOS = ("S1", "S2", "S3", "S4")
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
RESULTS_MARK = "<!-- bench: each run is inserted below this line, newest first -->"
FIRST_EVENT_TARGET_S = 0.5
M10_PEAK_TARGET_MB = 512
M10_XMX = "256m"
FLAT = 0.10


class BenchError(Exception):
    pass


def java_major(home):
    """JAVA_VERSION's major number from a JDK's release file, as .ci/run reads it."""
    try:
        m = re.search(r'^JAVA_VERSION="(\d+)', (Path(home) / "release").read_text(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def find_jdk(minimum=21):
    """(java executable, major version): JAVA_HOME if it is >= minimum, else the newest of
    /usr/lib/jvm/* and ~/.sdkman/candidates/java/* (the default `java` may be older)."""
    java_home = os.environ.get("JAVA_HOME")
    homes = ([java_home] if java_home else []) + sorted(glob.glob("/usr/lib/jvm/*")) \
        + sorted(glob.glob(os.path.expanduser("~/.sdkman/candidates/java/*")))
    found = []
    for home in homes:
        v = java_major(home)
        java = Path(home) / "bin" / "java"
        if v and v >= minimum and os.access(java, os.X_OK):
            found.append((home == java_home, v, str(java)))
    if not found:
        raise BenchError(f"no JDK >= {minimum} found (JAVA_HOME, /usr/lib/jvm/*, ~/.sdkman): Tally needs one")
    _, v, java = max(found)
    return java, v


def find_jar(pattern):
    """The newest file matching pattern, relative to the current directory or else the repository root."""
    for base in (Path.cwd(), ROOT):
        p = Path(pattern) if Path(pattern).is_absolute() else base / pattern
        hits = [Path(h) for h in glob.glob(str(p)) if Path(h).is_file()]
        if hits:
            return max(hits, key=lambda h: h.stat().st_mtime).resolve()
    return None


def ensure_jar(pattern):
    jar = find_jar(pattern)
    if jar is None:
        log(f"no jar matches {pattern}: building it (./mvnw -q -B package -DskipTests)")
        p = subprocess.run(["./mvnw", "-q", "-B", "package", "-DskipTests"], cwd=ROOT)
        if p.returncode != 0:
            raise BenchError(f"the build failed (exit {p.returncode})")
        jar = find_jar(pattern)
        if jar is None:
            raise BenchError(f"the build made no jar matching {pattern}")
    return jar


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TallyProcess:
    """Tally started from its jar with the demo profile, on a free port, logging to a file."""

    def __init__(self, java, jar, xmx, jvm_opts, server, db_name, log_path):
        self.java, self.jar, self.xmx, self.jvm_opts, self.log_path = java, jar, xmx, jvm_opts, Path(log_path)
        u = urllib.parse.urlsplit(server)
        self.env = dict(os.environ, TALLY_DB_URL=f"r2dbc:postgresql://{u.hostname or '127.0.0.1'}:{u.port or 5432}/{db_name}")
        if u.username:
            self.env["TALLY_DB_USER"] = urllib.parse.unquote(u.username)
        if u.password:
            self.env["TALLY_DB_PASSWORD"] = urllib.parse.unquote(u.password)
        self.proc = self.port = None

    def start(self, timeout=180):
        self.port = free_port()
        self.cmd = [self.java, f"-Xmx{self.xmx}", *self.jvm_opts.split(), "-jar", str(self.jar), "--spring.profiles.active=demo",
                    f"--server.port={self.port}"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         env=self.env, start_new_session=True)  # Ctrl-C reaches us, not it
        deadline = time.monotonic() + timeout
        while b"Started TallyApplication" not in self.log_path.read_bytes():
            if self.proc.poll() is not None:
                raise BenchError(f"Tally exited {self.proc.returncode} before it started; its log "
                                 f"{self.log_path} ends:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"Tally did not log 'Started TallyApplication' within {timeout} s; "
                                 f"its log {self.log_path} ends:\n{self.log_tail()}")
            time.sleep(0.2)
        return f"http://127.0.0.1:{self.port}"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self):
        """SIGTERM, then SIGKILL after 30 s."""
        if not self.alive():
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            log("Tally did not stop within 30 s of SIGTERM: killing it")
            self.proc.kill()
            self.proc.wait()


def upload_csv(sc, data_dir):
    """The upload's rows as CSV for COPY (clean lines only: S1..S4), shared with the preload files."""
    return ensure_file(data_dir / f"preload-v{sc.version}-{sc.lines}.csv",
                       lambda: preload_csv_chunks(sc.lines, sc.version))


def timed_psql(db, args):
    """Run psql with args; (seconds from process start to exit, stdout lines). Raises DbError."""
    t0 = time.monotonic()
    p = subprocess.run(["psql", db, "-X", "-v", "ON_ERROR_STOP=1", "-At", "-F", " "] + args,
                       capture_output=True, text=True)
    seconds = time.monotonic() - t0
    if p.returncode != 0:
        raise DbError(p.stderr.strip() or f"psql exited {p.returncode}")
    return seconds, p.stdout.splitlines()


def copy_tag(lines):
    tags = [int(l.split()[1]) for l in lines if re.fullmatch(r"COPY \d+", l)]
    if len(tags) != 1:
        raise DbError(f"expected one COPY tag in psql's output: {lines[:10]}")
    return tags[0]


def b1_script(csv_path, policy):
    """COPY into a temporary table with the table's column types, then one INSERT ... SELECT ...
    ON CONFLICT ... RETURNING (xmax = 0): the rows inserted and, under update, updated."""
    cols = ROW_COLUMNS
    if policy == "skip":
        conflict = "DO NOTHING"
    else:
        conflict = ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in cols)
                    + f"\n  WHERE ({', '.join(f'{DATASET}.{c}' for c in cols)})"
                    + f"\n    IS DISTINCT FROM ({', '.join(f'excluded.{c}' for c in cols)})")
    return f"""-- B1 ({policy}): generated by workload.py bench
CREATE TEMP TABLE upload (LIKE {DATASET});
\\copy upload FROM {sql_literal(csv_path)} WITH (FORMAT csv)
WITH written AS (
  INSERT INTO {DATASET} SELECT * FROM upload
  ON CONFLICT (id) {conflict}
  RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written;
"""


def run_baseline(kind, sc, db, data_dir, exp, row_versions=False):
    """B0 or B1 on a table prepared as for Tally; the figure is psql's run from start to exit."""
    m = {"kind": kind, "scenario": sc.name, "seconds": None, "rows_per_s": None, "counts_ok": False,
         "table_ok": False, "totals": None, "notes": []}
    csv_path = upload_csv(sc, data_dir)
    try:
        prepare_table(db, sc, data_dir)
        if row_versions:
            snapshot_row_versions(db)
        if kind == "B0":
            secs, out = timed_psql(db, ["-c", f"\\copy {DATASET} FROM {sql_literal(csv_path)} WITH (FORMAT csv)"])
            totals = dict.fromkeys(TOTAL_KEYS, 0)
            totals["received"] = totals["inserted"] = copy_tag(out)
        else:
            script = data_dir / f"b1-{sc.name}-{sc.n}.sql"
            write_atomically(script, [b1_script(csv_path, sc.policy)])
            secs, out = timed_psql(db, ["-f", str(script)])
            received = copy_tag(out)
            inserted, updated = (int(x) for x in out[-1].split(" "))
            totals = dict.fromkeys(TOTAL_KEYS, 0)
            totals.update(received=received, inserted=inserted, updated=updated)
            totals["skipped" if sc.policy == "skip" else "unchanged"] = received - inserted - updated
        if row_versions:
            m["new_row_versions"] = count_new_row_versions(db)
    except DbError as e:
        m["notes"].append(f"{kind} failed: {e}")
        return m
    m["seconds"], m["rows_per_s"], m["totals"] = secs, sc.lines / secs, totals
    m["counts_ok"] = totals == exp["totals"]
    if not m["counts_ok"]:
        m["notes"].append(f"{kind} counts {totals}, expected {exp['totals']}")
    m["table_ok"], note = check_table(db, sc, exp)
    if note:
        m["notes"].append(f"{kind} {note}")
    return m


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return a / b if a is not None and b else None


def machine_info(server, java, java_version):
    info = {"cpus": len(os.sched_getaffinity(0)), "cpu": "?", "memory": "?", "postgres": "?",
            "jdk": f"{java_version} ({Path(java).parent.parent})", "load": "?"}
    try:
        info["cpu"] = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
        kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal:"))
        info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    try:
        info["postgres"] = psql(f"{server.rstrip('/')}/postgres", "SHOW server_version")[0]
    except DbError:
        pass
    return info


def load_average():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def git_commit():
    def git(*a):
        p = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True)
        return p.stdout.strip() if p.returncode == 0 else None
    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!load-tests/RESULTS.md")
    return head + (" (with uncommitted changes)" if dirty else "")


def summarize(name, rounds_data, by_name, xmx):
    """One table row for a scenario from its per-round measurements."""
    t = [r["tally"] for r in rounds_data]
    b0 = [r.get("B0") for r in rounds_data if r.get("B0")]
    b1 = [r.get("B1") for r in rounds_data if r.get("B1")]
    s = {"scenario": name, "n": t[0]["n"] if t else None,
         "tally_rps": median(x["rows_per_s"] for x in t),
         "b0_rps": median(x["rows_per_s"] for x in b0) if b0 else None,
         "b1_rps": median(x["rows_per_s"] for x in b1) if b1 else None,
         # ratios pair the figures of one round (measured minutes apart), then take the median
         "tally_b0": median(ratio(r["tally"]["rows_per_s"], r["B0"]["rows_per_s"]) for r in rounds_data if r.get("B0")),
         "tally_b1": median(ratio(r["tally"]["rows_per_s"], r["B1"]["rows_per_s"]) for r in rounds_data if r.get("B1")),
         "peak_rss_mb": max((x["peak_rss_mb"] for x in t if x["peak_rss_mb"] is not None), default=None),
         "first_event": median(x["first_chunk"] for x in t),
         "new_row_versions": max((x["new_row_versions"] for x in t if x.get("new_row_versions") is not None),
                                 default=None) if name == "S4" else None,
         "counts_ok": bool(t) and all(x["totals_ok"] for x in t) and all(x["counts_ok"] for x in b0 + b1),
         "table_ok": bool(t) and all(x["table_ok"] for x in t) and all(x["table_ok"] for x in b0 + b1),
         "rounds": len(t), "xmx": xmx}
    if name == "M10" and t:
        s.update(rss_after_n_mb=t[0].get("rss_after_n_mb"), rss_after_10n_mb=t[0].get("rss_after_10n_mb"))
    s["targets"] = targets(s, by_name)
    return s


def targets(s, by_name):
    """[(label, True/False/None)]: the issue's targets for this row (None: cannot be evaluated)."""
    def at_least(v, x):
        return None if v is None else v >= x
    name, out = s["scenario"], []
    if name == "S1":
        out += [("Tally/B1 ≥ 1.0", at_least(s["tally_b1"], 1.0)), ("Tally/B0 ≥ 0.6", at_least(s["tally_b0"], 0.6))]
    elif name in ("S2", "S3"):
        out += [("Tally/B1 ≥ 1.0", at_least(s["tally_b1"], 1.0))]
    elif name == "S4":
        out += [("Tally/B1 ≥ 0.8", at_least(s["tally_b1"], 0.8)),
                ("0 rows written", None if s["new_row_versions"] is None else s["new_row_versions"] == 0)]
    elif name == "S5":
        s3 = by_name.get("S3")
        out += [("≥ 0.9 × S3 rows/s", at_least(ratio(s["tally_rps"], s3["tally_rps"]) if s3 else None, 0.9))]
    elif name == "M10":
        a, b = s.get("rss_after_n_mb"), s.get("rss_after_10n_mb")
        out += [(f"peak RSS ≤ {M10_PEAK_TARGET_MB} MB", None if s["peak_rss_mb"] is None or s["xmx"] != M10_XMX
                 else s["peak_rss_mb"] <= M10_PEAK_TARGET_MB),  # the target is stated for -Xmx256m
                ("RSS@10N within 10 % of RSS@N", None if not a or b is None else abs(b - a) <= FLAT * a)]
    out.append((f"first event ≤ {FIRST_EVENT_TARGET_S} s", None if s["first_event"] is None
                else s["first_event"] <= FIRST_EVENT_TARGET_S))
    return out


def targets_text(ts):
    return "; ".join(f"{label}: {'n/a' if ok is None else 'met' if ok else 'NOT met'}" for label, ok in ts)


RESULT_COLUMNS = ("scenario", "Tally rows/s (median)", "B0 rows/s", "B1 rows/s", "Tally/B0", "Tally/B1",
                  "Tally peak RSS MB", "first event s", "new row versions (S4)", "counts OK", "table OK",
                  "targets")


def result_cells(s):
    ok = lambda b: "OK" if b else "FAIL"  # noqa: E731
    return [s["scenario"], fmt(s["tally_rps"], ",.0f"), fmt(s["b0_rps"], ",.0f"), fmt(s["b1_rps"], ",.0f"),
            fmt(s["tally_b0"], ".2f"), fmt(s["tally_b1"], ".2f"), fmt(s["peak_rss_mb"], ".0f"),
            fmt(s["first_event"], ".3f"), fmt(s["new_row_versions"], "d"), ok(s["counts_ok"]),
            ok(s["table_ok"]), targets_text(s["targets"])]


def markdown_table(header, rows):
    """A Markdown table padded to line up in a terminal too."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows])


def m10_line(s, xmx):
    if s is None:
        return None
    a, b = s.get("rss_after_n_mb"), s.get("rss_after_10n_mb")
    change = f" ({(b - a) / a:+.0%})" if a and b is not None else ""
    flat = "n/a" if not a or b is None else "yes" if abs(b - a) <= FLAT * a else "NO"
    return (f"M10 ({s['n']:,} lines, -Xmx{xmx}): RSS after N lines {fmt(a, '.0f')} MB, after 10N "
            f"{fmt(b, '.0f')} MB{change}, peak {fmt(s['peak_rss_mb'], '.0f')} MB; flat within 10 %: {flat}; "
            f"{targets_text(s['targets'])}")


TARGETS_NOTE = ("Targets (the issue's; reported, not asserted): S1 ≥ 1.0×B1 and ≥ 0.6×B0; S2 ≥ 1.0×B1; "
                "S3 ≥ 1.0×B1; S4 ≥ 0.8×B1 and zero rows written (new row versions = 0); S5 ≥ 0.9× S3's rows/s; "
                "M10 peak RSS ≤ 512 MB with -Xmx256m and RSS after 10N within 10 % of after N; first chunk "
                "event ≤ 0.5 s. Ratios are the median over rounds of each round's Tally/baseline.")

RAW_COLUMNS = ("round", "scenario", "Tally s", "Tally rows/s", "first event s", "peak RSS MB", "B0 s",
               "B0 rows/s", "B1 s", "B1 rows/s", "Tally/B0", "Tally/B1", "new row versions Tally/B1",
               "checks")


def raw_cells(r):
    t, b0, b1 = r["tally"], r.get("B0") or {}, r.get("B1") or {}
    checks = [f"{k} {'OK' if v else 'FAIL'}" for k, v in
              (("Tally", t["totals_ok"] and t["table_ok"]), ("B0", b0 and b0["counts_ok"] and b0["table_ok"]),
               ("B1", b1 and b1["counts_ok"] and b1["table_ok"])) if k == "Tally" or (b0 if k == "B0" else b1)]
    versions = "-" if t.get("new_row_versions") is None else \
        f"{t['new_row_versions']}/{fmt(b1.get('new_row_versions'), 'd')}"
    return [r["round"], t["scenario"], fmt(t["seconds"], ".3f"), fmt(t["rows_per_s"], ",.0f"),
            fmt(t["first_chunk"], ".3f"), fmt(t["peak_rss_mb"], ".0f"), fmt(b0.get("seconds"), ".3f"),
            fmt(b0.get("rows_per_s"), ",.0f"), fmt(b1.get("seconds"), ".3f"), fmt(b1.get("rows_per_s"), ",.0f"),
            fmt(ratio(t["rows_per_s"], b0.get("rows_per_s")), ".2f"),
            fmt(ratio(t["rows_per_s"], b1.get("rows_per_s")), ".2f"), versions, ", ".join(checks)]


def write_results(path, run):
    """Insert this run's section below the marker (newest first), creating the file if needed."""
    path = Path(path)
    text = path.read_text() if path.exists() else (
        "# Benchmark results\n\n"
        "Runs of `python3 load-tests/workload.py bench` (the standard workload of `../shared/BENCHMARK.md`), "
        "newest first. Every figure of a run was measured on one machine in one session: Tally, then "
        "its baselines B0 and B1, on the same server and table, round after round. The columns are "
        "explained in `load-tests/README.md`.\n\n" + RESULTS_MARK + "\n")
    if RESULTS_MARK not in text:
        text = text.rstrip("\n") + "\n\n" + RESULTS_MARK + "\n"
    head, tail = text.split(RESULTS_MARK, 1)
    write_atomically(path, [head, RESULTS_MARK, "\n\n", run.rstrip("\n"), "\n", tail if tail.strip() else ""])


def results_section(meta, table, m10, raw):
    lines = [f"## {meta['date']} — N={meta['n']:,}, {meta['rounds']} rounds", "",
             f"- Command: `{meta['command']}`",
             f"- Machine: {meta['cpus']} CPUs ({meta['cpu']}), {meta['memory']} memory, "
             f"PostgreSQL {meta['postgres']}, JDK {meta['jdk']}, Tally with -Xmx{meta['xmx']} {meta['jvm_opts']}",
             f"- Load average (1, 5, 15 min) at start {meta['load_start']}, at end {meta['load_end']}; "
             f"the run took {meta['minutes']:.1f} min",
             f"- Warm-up, not measured: each scenario of the rounds once with N={meta['warmup']:,} "
             "after Tally started" if meta["warmup"] else "- No warm-up: round 1 ran on a fresh JVM",
             f"- Commit: {meta['commit']}", "", table, ""]
    if m10:
        lines += [m10, ""]
    lines += [TARGETS_NOTE, "", "Per-round figures (the table's medians come from these):", "", raw, ""]
    return "\n".join(lines)


def redacted(argv):
    """The arguments with a --token's value left out: RESULTS.md records the command."""
    out, hide = [], False
    for a in argv:
        out.append("…" if hide else "--token=…" if a.startswith("--token=") else a)
        hide = a == "--token"
    return out


def cmd_bench(args):
    t_start = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that Tally is stopped and the database dropped
    names = [x.strip() for x in args.scenarios.split(",") if x.strip()]
    unknown = [x for x in names if x not in BENCH_SCENARIOS]
    if unknown or not names:
        raise SystemExit(f"--scenarios: unknown {unknown}; choose from {','.join(BENCH_SCENARIOS)}")
    names = [x for x in BENCH_SCENARIOS if x in names]  # the standard order
    per_round = [x for x in names if x != "M10"]
    if args.rounds < 1 or args.n < 1:
        raise SystemExit("--rounds and --n must be >= 1")
    if args.rounds < 3:
        log(f"warning: {args.rounds} round(s); the benchmark's figures need at least 3")
    data_dir = Path(args.data_dir)
    stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    db_name = f"tally_bench_{stamp}"
    server = args.server.rstrip("/")
    db = f"{server}/{db_name}"
    admin = f"{server}/postgres"

    # everything that is not measured comes first: jar, JDK, files, expectations
    jar = ensure_jar(args.jar)
    java, java_version = find_jdk()
    warmup = min(args.warmup, args.n)
    for name, n in [(x, args.n) for x in names] + [(x, warmup) for x in per_round if warmup]:
        sc = Scenario(name, n)
        ensure_upload(sc, data_dir)
        if sc.preload:
            keys, v = sc.preload
            ensure_file(data_dir / f"preload-v{v}-{keys}.csv", lambda: preload_csv_chunks(keys, v))
        if name in B0_SCENARIOS or name in B1_SCENARIOS:
            upload_csv(sc, data_dir)
        expectation(sc, data_dir)
    if psql(admin, f"SELECT count(*) FROM pg_database WHERE datname = {sql_literal(db_name)}")[0] != "0":
        raise BenchError(f"database {db_name} exists already")
    meta = dict(machine_info(server, java, java_version), n=args.n, rounds=args.rounds, xmx=args.xmx, jvm_opts=args.jvm_opts, warmup=warmup,
                commit=git_commit(), load_start=load_average(),
                date=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                command=" ".join(shlex.quote(a) for a in ["python3", "load-tests/workload.py"] + redacted(args.argv)))
    # A private copy of the jar: a rebuild during the run cannot change it, and `pgrep -f tally-0.1.0`
    # (load-tests/README's way to find a Tally for `run --pid`) does not match, or kill, this one.
    run_jar = data_dir / f"bench-{stamp}.jar"
    shutil.copyfile(jar, run_jar)
    tally = TallyProcess(java, run_jar, args.xmx, args.jvm_opts, server, db_name, data_dir / f"bench-{stamp}.log")
    rounds, warmups, m10_run = [], [], None
    try:
        log(f"starting Tally: {jar} (as {run_jar.name}) with {java} -Xmx{args.xmx}, database {db_name}, "
            f"log {tally.log_path}")
        url = tally.start()
        log(f"Tally is up at {url} (pid {tally.proc.pid})")
        ns = argparse.Namespace(n=args.n, db=db, url=url, token=args.token, pid=tally.proc.pid, timeout=args.timeout,
                                chunk_size=None)
        if warmup:
            # a fresh JVM runs its first upload several times slower (class loading, JIT): not a figure
            wns = argparse.Namespace(**dict(vars(ns), n=warmup, pid=None))
            for name in per_round:
                log(f"--- warm-up {name} N={warmup} (not measured)")
                w = run_scenario(name, wns, data_dir)
                w["notes"] += [] if w["totals_ok"] and w["table_ok"] else ["warm-up checks failed"]
                warmups.append({"round": "warm-up", "tally": w})
        for r in range(1, args.rounds + 1):
            for name in per_round:
                if not tally.alive():
                    raise BenchError(f"Tally exited {tally.proc.returncode}; its log ends:\n{tally.log_tail()}")
                sc = Scenario(name, args.n)
                log(f"--- round {r}/{args.rounds} {name} N={args.n}: Tally")
                entry = {"round": r, "tally": run_scenario(name, ns, data_dir, row_versions=name == "S4")}
                exp = expectation(sc, data_dir)
                if name in B0_SCENARIOS:
                    log(f"--- round {r}/{args.rounds} {name}: B0 (COPY)")
                    entry["B0"] = run_baseline("B0", sc, db, data_dir, exp)
                if name in B1_SCENARIOS:
                    log(f"--- round {r}/{args.rounds} {name}: B1 (COPY + INSERT ... ON CONFLICT)")
                    entry["B1"] = run_baseline("B1", sc, db, data_dir, exp, row_versions=name == "S4")
                rounds.append(entry)
                log(f"    " + " | ".join(f"{k} {fmt(v['rows_per_s'], ',.0f')} rows/s" for k, v in
                                       (("Tally", entry["tally"]), ("B0", entry.get("B0")), ("B1", entry.get("B1")))
                                       if v))
        if "M10" in names:
            if not tally.alive():
                raise BenchError(f"Tally exited {tally.proc.returncode}; its log ends:\n{tally.log_tail()}")
            log(f"--- M10: {10 * args.n} lines through Tally")
            m10_run = {"round": "-", "tally": run_scenario("M10", ns, data_dir)}
    finally:
        tally.stop()
        run_jar.unlink()
        if args.keep:
            log(f"kept database {db_name}")
        else:
            try:
                psql(admin, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            except DbError as e:
                log(f"could not drop {db_name}: {e}")

    meta.update(load_end=load_average(), minutes=(time.monotonic() - t_start) / 60)
    by_name, summary = {}, []
    for name in names:
        data = [m10_run] if name == "M10" else [e for e in rounds if e["tally"]["scenario"] == name]
        s = summarize(name, [d for d in data if d], by_name, args.xmx)
        by_name[name] = s
        summary.append(s)
    for s in summary:  # S5's target needs S3's figure, which may come later in a custom order
        s["targets"] = targets(s, by_name)
    table = markdown_table(RESULT_COLUMNS, [result_cells(s) for s in summary])
    m10 = m10_line(by_name.get("M10"), args.xmx)
    raw = markdown_table(RAW_COLUMNS, [raw_cells(e) for e in rounds + ([m10_run] if m10_run else [])])
    print(table)
    if m10:
        print(m10)
    print(TARGETS_NOTE)
    notes = [(e["round"], e["tally"]["scenario"], " / ".join(n.splitlines()))
             for e in warmups + rounds + ([m10_run] if m10_run else [])
             for m in (e["tally"], e.get("B0"), e.get("B1")) if m for n in m["notes"]
             if not n.startswith(("new row versions:", "RSS after N"))]
    for rnd, name, note in notes:
        print(f"  round {rnd} {name}: {note}")
    sys.stdout.flush()
    if args.out:
        section = results_section(meta, table, m10, raw)
        if notes:
            section += "\nProblems:\n\n" + "\n".join(f"- round {r} {n}: {x}" for r, n, x in notes) + "\n"
        write_results(args.out, section)
        log(f"wrote this run to {args.out}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"meta": meta, "summary": summary, "rounds": rounds,
                                                   "m10": m10_run}, indent=2, default=str) + "\n")
    warm_ok = all(w["tally"]["totals_ok"] and w["tally"]["table_ok"] for w in warmups)
    return 0 if warm_ok and all(s["counts_ok"] and s["table_ok"] for s in summary) else 1


# ---------------------------------------------------------------------------------------------
# Self-test: generator spot checks, and the checksum through three load paths on a scratch database

SPOT = {
    (1, 0, False): '{"id":1,"email":"c1@example.com","name":"Customer 1 v0","balance":0.37,'
                   '"attrs":{"tier":"silver","n":1},"updated_at":"2026-01-01T00:00:01Z"}',
    (1, 1, False): '{"id":1,"email":"c1@example.com","name":"Customer 1 v1","balance":0.37,'
                   '"attrs":{"tier":"silver","n":1},"updated_at":"2026-01-02T00:00:01Z"}',
    (27027, 0, False): '{"id":27027,"email":"c27027@example.com","name":"Customer 27027 v0","balance":9999.99,'
                       '"attrs":{"tier":"gold","n":0},"updated_at":"2026-01-01T07:30:27Z"}',
    (100000, 0, False): '{"id":100000,"email":"c100000@example.com","name":"Customer 100000 v0",'
                        '"balance":7000.00,"attrs":{"tier":"silver","n":5},"updated_at":"2026-01-02T03:46:40Z"}',
    (1000000, 1, False): '{"id":1000000,"email":"c1000000@example.com","name":"Customer 1000000 v1",'
                         '"balance":0.00,"attrs":{"tier":"silver","n":1},"updated_at":"2026-01-13T13:46:40Z"}',
    (100, 0, True): '{"id":100,"email":"c100@example.com","name":"Customer 100 v0","balance":3',  # 73 of 146
    (150, 0, True): '{"id":150,"email":"c150@example.com","name":"Customer 150 v0","balance":"x",'
                    '"attrs":{"tier":"gold","n":3},"updated_at":"2026-01-01T00:02:30Z"}',
    (207, 0, True): '{"id":206,"email":"c206@example.com","name":"Customer 206 v0","balance":76.22,'
                    '"attrs":{"tier":"bronze","n":3},"updated_at":"2026-01-01T00:03:26Z"}',
}

TABLE_DDL = ("CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, "
             "name text NOT NULL, balance numeric(12,2) NOT NULL DEFAULT 0, attrs jsonb, "
             "updated_at timestamptz NOT NULL)")


def sql_reference_load(db, sc, path):
    """Apply the upload file with COPY into a temporary table and one INSERT ... SELECT ... ON CONFLICT,
    independent of the Python model (S5's dirty lines are recognised textually). Returns (inserted, updated)."""
    where = "right(line, 1) = '}' AND line NOT LIKE '%\"balance\":\"x\"%'" if sc.dirty else "true"
    distinct = "DISTINCT ON (id)" if sc.dirty else ""  # S5's copies repeat the previous key
    if sc.policy == "skip":
        conflict = "DO NOTHING"
    else:
        cols = ROW_COLUMNS
        conflict = ("DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in cols)
                    + f" WHERE ({', '.join('c.' + c for c in cols)}) IS DISTINCT FROM "
                    + f"({', '.join('EXCLUDED.' + c for c in cols)})")
    script = f"""
CREATE TEMP TABLE raw (n bigint GENERATED ALWAYS AS IDENTITY, line text);
\\copy raw (line) FROM {sql_literal(path)} WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')
WITH src AS (
  SELECT {distinct} id, email, name, balance, attrs, updated_at FROM (
    SELECT n, (j->>'id')::bigint AS id, j->>'email' AS email, j->>'name' AS name,
           (j->>'balance')::numeric(12,2) AS balance, j->'attrs' AS attrs, (j->>'updated_at')::timestamptz AS updated_at
    FROM (SELECT n, line::jsonb AS j FROM raw WHERE {where}) x) y
  {"ORDER BY id, n DESC" if distinct else ""}),
ins AS (INSERT INTO {DATASET} AS c SELECT * FROM src ON CONFLICT (id) {conflict} RETURNING (xmax = 0) AS fresh)
SELECT count(*) FILTER (WHERE fresh), count(*) FILTER (WHERE NOT fresh) FROM ins;
"""
    a, b = psql(db, script=script)[-1].split(" ")
    return int(a), int(b)


def model_csv_lines(m):
    """The model's rows as CSV, with the canonical texts as values (NULL as an unquoted empty field)."""
    def field(s):
        return "" if s is None else '"' + s.replace('"', '""') + '"'
    for key in sorted(m.rows):
        yield f"{key},{','.join(field(x) for x in m.rows[key])}\n"


def cmd_selftest(args):
    failures = []

    def check(ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    for (i, v, dirty), want in SPOT.items():
        check(workload_line(i, v, dirty) == want, f"line {i} v{v}{' dirty' if dirty else ''}")
    for i in (1, 6, 7, 100, 150, 200, 207, 27027, 999_999):
        clean = clean_line(i, 0)
        check(parse(clean) == (i, dict(zip(ROW_COLUMNS, canonical_row(i, 0)))),
              f"model parse of line {i} == canonical_row")
    check(jsonb_text({"tier": "gold", "n": 0, "ab": [1, Decimal("2.50"), None, "q\"\n"]})
          == '{"n": 0, "ab": [1, 2.50, null, "q\\"\\n"], "tier": "gold"}', "jsonb text form")

    data_dir = Path(args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        psql(args.db, TABLE_DDL)
        for name in ALL:
            sc = Scenario(name, args.n)
            m = sc.simulate()
            exp = sc.expectation(m)  # exits unless the model agrees with the closed form
            print(f"     {name}: {json.dumps(m.totals)} {json.dumps(m.reasons)}")
            # the preload path run() uses, against the model's starting state
            prepare_table(args.db, sc, data_dir)
            d = compare_blocks(block_digests(sc.preloaded().canonical_rows()), table_blocks(args.db))
            check(d is None, f"{name}: preloaded table checksum == model" + (f": {d[0]}" if d else ""))
            # the upload applied in SQL, independent of the model, from the same preload
            path = ensure_upload(sc, data_dir)
            ins, upd = sql_reference_load(args.db, sc, path)
            check((ins, upd) == (exp["totals"]["inserted"], exp["totals"]["updated"]),
                  f"{name}: SQL reference inserted/updated {ins}/{upd}")
            ok, note = check_table(args.db, sc, exp, m)
            check(ok, f"{name}: table after SQL reference load: checksum == model" + (f": {note}" if note else ""))
            # the model's final rows loaded as they are: the checksum's text forms match PostgreSQL's
            csv_path = Path(tmp) / f"{name}.csv"
            write_atomically(csv_path, model_csv_lines(m))
            psql(args.db, f"TRUNCATE {DATASET}",
                 f"\\copy {DATASET} FROM {sql_literal(csv_path)} WITH (FORMAT csv)")
            ok, note = check_table(args.db, sc, exp, m)
            check(ok, f"{name}: model rows loaded by COPY: checksum == model" + (f": {note}" if note else ""))
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


# ---------------------------------------------------------------------------------------------

def cmd_generate(args):
    if args.n < 0 or args.version not in (0, 1):
        raise SystemExit("--n must be >= 0 and --version 0 or 1")
    t = time.monotonic()
    chunks = ndjson_chunks(args.n, args.version, args.dirty)
    if args.out == "-":
        for c in chunks:
            sys.stdout.write(c)
    else:
        write_atomically(args.out, chunks)
    log(f"{args.n} lines in {time.monotonic() - t:.2f} s")
    return 0


def cmd_expect(args):
    print(json.dumps(Scenario(args.scenario, args.n).expectation()["totals"]))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("generate", help="write the standard workload lines")
    g.add_argument("--n", type=int, required=True)
    g.add_argument("--version", type=int, required=True, help="0 or 1")
    g.add_argument("--dirty", action="store_true", help="apply S5's rules")
    g.add_argument("--out", required=True, help="file, or - for stdout")
    g.set_defaults(fn=cmd_generate)

    e = sub.add_parser("expect", help="expected final totals of a scenario, as JSON")
    e.add_argument("--scenario", required=True, choices=list(SCENARIOS))
    e.add_argument("--n", type=int, required=True)
    e.set_defaults(fn=cmd_expect)

    r = sub.add_parser("run", help="prepare, upload through Tally, check")
    r.add_argument("--scenario", required=True, choices=list(SCENARIOS) + ["all"],
                   help="all = S1..S5; M10 (10N lines) runs only when named")
    r.add_argument("--n", type=int, required=True)
    r.add_argument("--url", default=DEFAULT_URL)
    r.add_argument("--token", default=DEFAULT_TOKEN,
                   help="sent as Authorization: Bearer; needs write:customers or admin "
                        "(default: the demo profile's %(default)s)")
    r.add_argument("--db", default=DEFAULT_DB)
    r.add_argument("--data-dir", default=str(HERE / "data"))
    r.add_argument("--pid", type=int, help="the service's process, for peak RSS")
    r.add_argument("--chunk-size", type=int, help="passed as chunkSize (default: the server's)")
    r.add_argument("--timeout", type=float, default=3600, help="seconds before an upload is killed")
    r.add_argument("--json-out", help="also write the results as JSON")
    r.set_defaults(fn=cmd_run)

    s = sub.add_parser("selftest", help="generator, model and checksum checks on a scratch database "
                                        "(creates and TRUNCATEs its customers table)")
    s.add_argument("--db", required=True)
    s.add_argument("--n", type=int, default=1000)
    s.add_argument("--data-dir", default=str(HERE / "data"))
    s.set_defaults(fn=cmd_selftest)

    b = sub.add_parser("bench", help="the issue's benchmark: start Tally, run the scenarios and the "
                                      "COPY baselines in interleaved rounds, report and record")
    b.add_argument("--n", type=int, default=1_000_000)
    b.add_argument("--rounds", type=int, default=3, help="interleaved rounds of S1..S5 (at least 3)")
    b.add_argument("--scenarios", default=",".join(BENCH_SCENARIOS),
                   help="comma-separated, of " + ",".join(BENCH_SCENARIOS) + "; M10 runs once, after the rounds")
    b.add_argument("--jar", default="target/tally-*.jar", help="built with ./mvnw if nothing matches")
    b.add_argument("--xmx", default="256m", help="Tally's -Xmx")
    b.add_argument("--out", default=str(HERE / "RESULTS.md"), help="history file the run is added to ('' for none)")
    b.add_argument("--token", default=DEFAULT_TOKEN,
                   help="sent as Authorization: Bearer to the Tally the bench starts with the demo profile "
                        "(default: that profile's %(default)s)")
    b.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server, as a libpq URL without database")
    b.add_argument("--data-dir", default=str(HERE / "data"))
    b.add_argument("--timeout", type=float, default=3600, help="seconds before an upload is killed")
    b.add_argument("--warmup", type=int, default=500_000,
                   help="lines per scenario of an unmeasured first pass on the fresh JVM (0: none)")
    b.add_argument("--jvm-opts", default="-XX:+UseParallelGC",
                   help="Tally's other JVM options (default: the collector the README recommends)")
    b.add_argument("--keep", action="store_true", help="keep the tally_bench_* database")
    b.add_argument("--json-out", help="also write every figure as JSON")
    b.set_defaults(fn=cmd_bench)

    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return args.fn(args)
    except (BenchError, DbError) as e:
        log(f"error: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
