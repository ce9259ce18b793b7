"""PostgreSQL through psql: preparing the table, its checksum by blocks of ids, and row versions."""

import subprocess

from .common import BLOCK, DATASET
from .data import ensure_file
from .lines import preload_csv_chunks


ROW_TEXT_SQL = ("id::text||'|'||email||'|'||name||'|'||balance::text||'|'||coalesce(attrs::text,'\\N')"
                "||'|'||to_char(updated_at AT TIME ZONE 'UTC','YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
CHECKSUM_SQL = (f"SELECT id / {BLOCK}, count(*), sum(id), md5(string_agg({ROW_TEXT_SQL}, E'\\n' ORDER BY id)) "
                f"FROM {DATASET} GROUP BY 1 ORDER BY 1")


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
