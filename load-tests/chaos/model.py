"""The sequential model: what applying an upload's lines one at a time, in file order, gives (docs/api.md, promise 2)."""

COUNTS = ["received", "inserted", "updated", "unchanged", "skipped", "rejected"]
REJECT_CODES = ["invalid_json", "type_mismatch", "unknown_field"]  # the dirty lines' kinds, in turn (uploaders.py)


def simulate(upload, state, upto=None):
    """Applies lines 1..upto (all when None) of `upload` to a copy of `state` ({id: (name, version)}).

    Returns (counts, new state, failure, outcomes). failure is (line, code) for the line that fails the job (an
    existing key under onConflict=fail: key_exists; the (n+1)-th rejected line under maxRejects=n: max_rejects), or
    None; that line and everything after it are not applied. `upto` stops earlier (the committed prefix of a job that
    stopped early). outcomes maps each applied skipped or rejected line to (outcome, reason or code, key).
    """
    state = dict(state)
    counts = dict.fromkeys(COUNTS, 0)
    last = len(upload.lines) if upto is None else min(upto, len(upload.lines))
    failure, rejected, outcomes = None, 0, {}
    max_rejects = getattr(upload, "max_rejects", None)
    for number, line in enumerate(upload.lines, start=1):
        exists = line.valid and line.key in state
        if line.valid and exists and upload.policy == "fail":
            failure = (number, "key_exists")
            break
        if not line.valid:
            rejected += 1
            if max_rejects is not None and rejected > max_rejects:
                failure = (number, "max_rejects")
                break
        if number > last:
            continue  # past the prefix: only looking for the failing line
        counts["received"] += 1
        if not line.valid:
            counts["rejected"] += 1
            outcomes[number] = ("rejected", REJECT_CODES[(number // upload.dirty_every) % 3], None)
        elif not exists:
            counts["inserted"] += 1
            state[line.key] = (line.name, line.version)
        elif upload.policy == "skip":
            counts["skipped"] += 1
            outcomes[number] = ("skipped", "exists", line.key)
        elif upload.policy == "update-if-newer" and line.version <= state[line.key][1]:
            counts["skipped"] += 1  # stale
            outcomes[number] = ("skipped", "stale", line.key)
        else:
            counts["updated"] += 1  # names are unique per line: never unchanged
            state[line.key] = (line.name, line.version)
    return counts, state, failure, outcomes
