"""The model: one line at a time, as docs/api.md describes the outcome of each line.

A row is a tuple of canonical texts, the same texts the SQL checksum renders:
(email, name, balance as numeric(12,2) prints it, attrs as jsonb prints it or None, UTC instant)."""

import datetime as dt
import json
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

from .common import TOTAL_KEYS
from .lines import TIERS, balance, updated_at


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
