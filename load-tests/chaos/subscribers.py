"""Followers of /v1/jobs/{id}/events on the instance that is not running the job, some of them stalled."""

import http.client
import json
import socket
import threading
import time

from instances import TOKEN

FINAL = ("completed", "failed", "cancelled", "aborted")


class Follower(threading.Thread):
    """Opens the job's event stream with a small receive buffer, reads nothing for `pause` seconds, then reads it all.

    What it saw is recorded as one `subscriber_end` record: per chunk event its chunk range and counts, and the
    final event, for the checker to compare with the ledger.
    """

    def __init__(self, history, instance, job, pause, read_timeout):
        super().__init__(name=f"follower-{job[:8]}", daemon=True)
        self.history, self.instance, self.job, self.pause, self.read_timeout = \
            history, instance, job, pause, read_timeout

    def run(self):
        chunks, final, error = [], None, None
        started = time.time()
        connection = http.client.HTTPConnection("localhost", self.instance.port, timeout=self.read_timeout)
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(self.read_timeout)
            sock.connect(("localhost", self.instance.port))
            connection.sock = sock
            connection.request("GET", f"/v1/jobs/{self.job}/events",
                               headers={"Authorization": f"Bearer {TOKEN}", "Accept": "text/event-stream"})
            answer = connection.getresponse()
            time.sleep(self.pause)  # the stalled reader: Tally must hold neither memory nor others for it
            if answer.status != 200:
                error = f"status {answer.status}"
            else:
                name = None
                for raw in answer:
                    line = raw.decode().rstrip("\r\n")
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data = json.loads(line[5:])
                        if name == "chunk":
                            span = data.get("chunks") or {"first": data["chunk"], "last": data["chunk"]}
                            chunks.append([span["first"], span["last"], data["counts"]])
                        elif name in FINAL:
                            final = {"status": name, "totals": data.get("totals")}
                            break
        except (OSError, http.client.HTTPException, ValueError) as failure:
            error = f"{type(failure).__name__}: {failure}"
        finally:
            connection.close()
        self.history.record("subscriber_end", job=self.job, instance=self.instance.name, pause=self.pause,
                            seconds=round(time.time() - started, 1), chunks=chunks, final=final, error=error)
