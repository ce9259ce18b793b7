"""The sequential model: what applying an upload's lines one at a time, in file order, gives (docs/api.md, promise 2)."""

COUNTS = ["received", "inserted", "updated", "unchanged", "skipped", "rejected"]


def simulate(upload, state, upto=None):
    """Applies lines 1..upto (all when None) of `upload` to a copy of `state` ({id: (name, version)}).

    Returns (counts, new state, the line that fails the job under onConflict=fail or None). A failing line and
    everything after it are not applied; `upto` stops earlier (the committed prefix of a job that stopped early).
    """
    state = dict(state)
    counts = dict.fromkeys(COUNTS, 0)
    last = len(upload.lines) if upto is None else min(upto, len(upload.lines))
    fail_line = None
    for number, line in enumerate(upload.lines, start=1):
        exists = line.valid and line.key in state
        if line.valid and exists and upload.policy == "fail":
            fail_line = number
            break
        if number > last:
            continue  # past the prefix: only looking for the failing line
        counts["received"] += 1
        if not line.valid:
            counts["rejected"] += 1
        elif not exists:
            counts["inserted"] += 1
            state[line.key] = (line.name, line.version)
        elif upload.policy == "skip":
            counts["skipped"] += 1
        elif upload.policy == "update-if-newer" and line.version <= state[line.key][1]:
            counts["skipped"] += 1  # stale
        else:
            counts["updated"] += 1  # names are unique per line: never unchanged
            state[line.key] = (line.name, line.version)
    return counts, state, fail_line

