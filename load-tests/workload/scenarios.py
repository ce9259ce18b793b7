"""The scenarios S1..S5 and M10, their closed-form counts, and the expected table as checksummed blocks."""

import hashlib

from .common import BLOCK, TOTAL_KEYS
from .lines import batches
from .model import Model, canonical_row, row_text


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
