"""B2 beside Tally: the common Python recipe (b2_recipe.py) on the same server and table as B1.

SQLAlchemy and psycopg2 are not the standard library: B2 runs the recipe with the first Python that imports
both (this one, then the system's /usr/bin/python3, where Debian's packages go), and is skipped, with a note
saying how to install them, when none does."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .common import TOTAL_KEYS
from .data import ensure_upload
from .db import DbError, count_new_row_versions, prepare_table, snapshot_row_versions
from .run import check_table

RECIPE = Path(__file__).resolve().parent / "b2_recipe.py"
INSTALL_HINT = "apt-get install -y python3-sqlalchemy python3-psycopg2 (Debian, Ubuntu)"
B2_SCENARIOS = ("S1", "S2", "S3", "S4")


def find_b2_python(candidates=None):
    """(python, versions text) of the first interpreter that imports SQLAlchemy and psycopg2, or (None, why)."""
    tried = []
    if candidates is None:
        candidates = (sys.executable, "/usr/bin/python3", shutil.which("python3"))
    for py in dict.fromkeys(x for x in candidates if x):
        if not Path(py).exists():
            continue
        tried.append(py)
        p = subprocess.run([py, "-c", "import sqlalchemy, psycopg2, sys; "
                                      "print(sys.version.split()[0], sqlalchemy.__version__, psycopg2.__version__.split()[0])"],
                           capture_output=True, text=True)
        if p.returncode == 0:
            v = p.stdout.split()
            return py, f"Python {v[0]} ({py}), SQLAlchemy {v[1]}, psycopg2 {v[2]}"
    return None, (f"B2 skipped: none of {', '.join(tried) or 'no Python'} imports SQLAlchemy and psycopg2; "
                  f"install them with: {INSTALL_HINT}")


def run_b2(python, sc, db, data_dir, exp, row_versions=False):
    """The recipe on a table prepared as for Tally; its time runs from before connecting to the last commit."""
    m = {"kind": "B2", "scenario": sc.name, "seconds": None, "rows_per_s": None, "counts_ok": False,
         "table_ok": False, "totals": None, "notes": []}
    path = ensure_upload(sc, data_dir)
    try:
        prepare_table(db, sc, data_dir)
        if row_versions:
            snapshot_row_versions(db)
        p = subprocess.run([python, str(RECIPE), "--db", db, "--file", str(path), "--policy", sc.policy],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise DbError(f"{RECIPE.name} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
        out = json.loads(p.stdout.strip().splitlines()[-1])
        if row_versions:
            m["new_row_versions"] = count_new_row_versions(db)
    except (DbError, ValueError, IndexError) as e:
        m["notes"].append(f"B2 failed: {e}")
        return m
    totals = {k: out["totals"].get(k) for k in TOTAL_KEYS}
    m["seconds"], m["totals"] = out["seconds"], totals
    m["rows_per_s"] = sc.lines / out["seconds"] if out["seconds"] else None
    m["counts_ok"] = totals == exp["totals"]
    if not m["counts_ok"]:
        m["notes"].append(f"B2 counts {totals}, expected {exp['totals']}")
    m["table_ok"], note = check_table(db, sc, exp)
    if note:
        m["notes"].append(f"B2 {note}")
    return m
