"""Uploads N generated customers through tally_client in a process of its own and prints, as JSON,
the result and the process's peak RSS: the measure of how much of the records the client holds.

    python3 -m tests.upload_generated URL TOKEN N [IDEMPOTENCY_KEY]
"""

import json
import resource
import sys
import time

from tally_client import TallyClient

from .support import customers


def main(url, token, n, key=None):
    started = time.monotonic()
    result = TallyClient(url, token=token).upload("customers", customers(1, n), idempotency_key=key)
    seconds = time.monotonic() - started
    print(json.dumps({"status": result.status, "totals": result.totals, "seconds": round(seconds, 1),
                      "rowsPerSecond": round(n / seconds), "peakRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:5])
