"""B2, the common Python recipe, as a script of its own: it needs SQLAlchemy and psycopg2, which the rest of
the workload does not, so the bench runs it with whichever Python has them (see b2.py).

    python3 b2_recipe.py --db postgresql://user@host:port/db --file upload.ndjson --policy skip|update

Reads the NDJSON file line by line with json.loads, and writes it in chunks of 1000 rows, one transaction per
chunk: SQLAlchemy Core `insert(table).values(rows)` with `.on_conflict_do_nothing()` (skip) or
`.on_conflict_do_update(set_=excluded, where=(row) IS DISTINCT FROM (excluded))` (update), and
`.returning(xmax = 0)` for the accounting. Prints one JSON object: seconds (from before connecting to the last
commit: the interpreter's start and the imports are left out), and the totals."""

import argparse
import json
import sys
import time

CHUNK = 1000


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--file", required=True)
    p.add_argument("--policy", required=True, choices=("skip", "update"))
    p.add_argument("--table", default="customers")
    p.add_argument("--key", default="id")
    args = p.parse_args(argv)

    from sqlalchemy import MetaData, Table, create_engine, literal_column, tuple_
    from sqlalchemy.dialects.postgresql import insert

    url = args.db.replace("postgresql://", "postgresql+psycopg2://", 1)
    t0 = time.monotonic()
    engine = create_engine(url, future=True)
    table = Table(args.table, MetaData(), autoload_with=engine)  # the columns and their types from the catalog
    others = [c for c in table.c if c.name != args.key]
    totals = dict(received=0, inserted=0, updated=0, unchanged=0, skipped=0, rejected=0)

    def write(rows):
        stmt = insert(table).values(rows)
        if args.policy == "skip":
            stmt = stmt.on_conflict_do_nothing(index_elements=[args.key])
        else:
            stmt = stmt.on_conflict_do_update(
                index_elements=[args.key], set_={c.name: stmt.excluded[c.name] for c in others},
                where=tuple_(*others).is_distinct_from(tuple_(*(stmt.excluded[c.name] for c in others))))
        stmt = stmt.returning(literal_column("xmax = 0").label("inserted"))
        with engine.begin() as conn:  # one transaction per chunk
            written = [r[0] for r in conn.execute(stmt)]
        inserted = sum(1 for w in written if w)
        totals["received"] += len(rows)
        totals["inserted"] += inserted
        totals["updated"] += len(written) - inserted
        totals["skipped" if args.policy == "skip" else "unchanged"] += len(rows) - len(written)

    rows = []
    with open(args.file, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
                if len(rows) == CHUNK:
                    write(rows)
                    rows = []
    if rows:
        write(rows)
    seconds = time.monotonic() - t0
    engine.dispose()
    print(json.dumps({"seconds": seconds, "totals": totals}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
