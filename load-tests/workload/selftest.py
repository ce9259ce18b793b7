"""`selftest`: generator spot checks, and the checksum through three load paths on a scratch database."""

import json
import tempfile
from decimal import Decimal
from pathlib import Path

from .b2 import B2_SCENARIOS, find_b2_python, run_b2
from .common import DATASET, write_atomically
from .data import ensure_upload
from .db import compare_blocks, prepare_table, psql, sql_literal, table_blocks
from .lines import clean_line, workload_line
from .model import ROW_COLUMNS, canonical_row, jsonb_text, parse
from .parallel import CONCURRENT, bounds, chunk_figures, ensure_parts, run_b1_parallel
from .report_concurrency import concurrent_targets
from .run import check_table
from .scenarios import ALL, Scenario, block_digests


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
    check_concurrency(args, data_dir, check)
    check_b2(args, data_dir, check)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


def check_concurrency(args, data_dir, check):
    """C8/C32's parts, B1 as k parallel sessions, and the chunk and target arithmetic of their report."""
    for n, k in ((args.n, 8), (args.n, 32), (1001, 8), (31, 32)):
        b = bounds(n, k)
        sizes = [hi - lo + 1 for lo, hi in b]
        check(b[0][0] == 1 and b[-1][1] == n and all(b[j][1] + 1 == b[j + 1][0] for j in range(k - 1))
              and max(sizes) - min(sizes) <= 1, f"bounds({n}, {k}): contiguous parts of 1..{n}, sizes within one")
    s1 = Scenario("S1", args.n)
    for name, k in CONCURRENT.items():
        parts = ensure_parts(args.n, k, data_dir)
        for ext, whole in (("ndjson", ensure_upload(s1, data_dir)), ("csv", data_dir / f"preload-v0-{args.n}.csv")):
            joined = b"".join(Path(p).read_bytes() for p in parts[ext])
            check(joined == Path(whole).read_bytes(), f"{name}: the {k} {ext} parts joined == S1's file")
        m = run_b1_parallel(name, args.n, args.db, data_dir)
        check(m["counts_ok"] and m["table_ok"] and m["totals"] == s1.closed_form(),
              f"{name}: B1 as {k} parallel sessions: counts and table == S1's model {m['notes'] or ''}")
    res = {"chunk_lines": [(2000, 2000, True), (11, 2011, True), (4000, 6011, False), (89, 6100, True)]}
    check(chunk_figures(res, 6100) == (11, 1), "smallest chunk leaves out the upload's last chunk and merged events")
    check(chunk_figures({"chunk_lines": [(89, 89, True)]}, 89) == (89, 0), "an upload of one chunk: that chunk")
    c32 = {"scenario": "C32", "vs_c8": 0.95, "first_event_max": 2.5, "min_chunk": 100}
    check([ok for _, ok in concurrent_targets(c32)] == [True, False, True], "C32 targets: ÷C8, first event, chunk")
    c8 = {"scenario": "C8", "vs_s1": None, "tally_b1k": 0.89}
    check([ok for _, ok in concurrent_targets(c8)] == [None, False], "C8 targets: n/a without S1, B1×8")


def check_b2(args, data_dir, check):
    """B2's recipe on S1..S4 against the model, when SQLAlchemy and psycopg2 are there; a note when not."""
    none, why = find_b2_python(["/nonexistent/python3"])
    check(none is None and "B2 skipped" in why and "python3-sqlalchemy python3-psycopg2" in why,
          "without SQLAlchemy and psycopg2, B2 is skipped with the install line")
    python, info = find_b2_python()
    if python is None:
        print(f"skip {info}")
        return
    print(f"     B2 with {info}")
    for name in B2_SCENARIOS:
        sc = Scenario(name, args.n)
        m = run_b2(python, sc, args.db, data_dir, sc.expectation(), row_versions=name == "S4")
        check(m["counts_ok"] and m["table_ok"] and (name != "S4" or m.get("new_row_versions") == 0),
              f"{name}: B2 counts {m['totals']} and table == model {m['notes'] or ''}")
