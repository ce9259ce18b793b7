"""The workload: uploaders, each on its own key range, each upload resent with its Idempotency-Key until it completes."""

import http.client
import json
import random
import threading
import time
import uuid
from datetime import datetime, timezone

from instances import TOKEN

KEY_SPAN = 1_000_000  # uploader i owns the ids [i * KEY_SPAN, (i + 1) * KEY_SPAN)
KEYS_USED = 400  # ids per uploader actually drawn, so that later uploads hit existing rows
DIRTY_EVERY = 37  # every so many lines, a malformed one


class Upload:
    """One logical upload: its body, fixed for every resend, and what the model expects of its valid lines."""

    def __init__(self, uploader, seq, rnd, lines, chunk_size):
        self.uploader = uploader
        self.seq = seq
        self.key = f"chaos-{uploader}-{seq}-{uuid.uuid4().hex[:8]}"
        self.policy = rnd.choice(["skip", "update"])
        self.chunk_size = chunk_size
        ids = rnd.sample(range(uploader * KEY_SPAN, uploader * KEY_SPAN + KEYS_USED), lines)
        stamp = datetime.now(timezone.utc).isoformat()
        self.valid = []  # (id, name) in file order
        self.body = []
        for number, key in enumerate(ids, start=1):
            if number % DIRTY_EVERY == 0:
                self.body.append('{"id": %d, "email": oops' % key)
                continue
            name = f"u{uploader}-s{seq}-l{number}"
            self.valid.append((key, name))
            self.body.append(json.dumps({"id": key, "email": f"c{key}@chaos.test", "name": name,
                                         "balance": rnd.randint(0, 99999) / 100,
                                         "attrs": {"seq": seq}, "updated_at": stamp}))
        self.dirty = len(self.body) - len(self.valid)


class Uploader(threading.Thread):
    def __init__(self, number, cluster, history, seed, stop_at, give_up_at, lines, chunk_size, pieces, pause,
                 read_timeout):
        super().__init__(name=f"uploader-{number}", daemon=True)
        self.number = number
        self.cluster = cluster
        self.history = history
        self.rnd = random.Random(seed * 1000 + number)
        self.stop_at = stop_at
        self.give_up_at = give_up_at
        self.lines = lines
        self.chunk_size = chunk_size
        self.pieces = pieces
        self.pause = pause
        self.read_timeout = read_timeout
        self.uploads = []  # (Upload, final event or None), in order

    def run(self):
        seq = 0
        while time.time() < self.stop_at:
            seq += 1
            upload = Upload(self.number, seq, self.rnd, self.lines, self.chunk_size)
            self.history.record("upload_begin", uploader=self.number, seq=seq, key=upload.key,
                                policy=upload.policy, lines=len(upload.body), valid=len(upload.valid),
                                dirty=upload.dirty)
            final = self._until_completed(upload, (self.number + seq) % len(self.cluster.instances))
            self.uploads.append((upload, final))
            if final is None:
                return  # gave up: the run's end; the checker reports it

    def _until_completed(self, upload, target):
        attempt = 0
        while time.time() < self.give_up_at:
            attempt += 1
            instance = self.cluster.instances[target]
            final = self._send(upload, instance, attempt)
            if final is not None and final.get("status") == "completed":
                return final
            # A failed, aborted or cut attempt goes again with the same key, to the other instance.
            target = (target + 1) % len(self.cluster.instances)
            time.sleep(min(0.5 * attempt, 3))
        self.history.record("upload_gave_up", uploader=self.number, seq=upload.seq, key=upload.key, attempts=attempt)
        return None

    def _body(self):
        per_piece = max(1, len(self._current.body) // self.pieces)
        for start in range(0, len(self._current.body), per_piece):
            yield ("\n".join(self._current.body[start:start + per_piece]) + "\n").encode()
            time.sleep(self.pause)

    def _send(self, upload, instance, attempt):
        """One HTTP attempt; records the request, every event and the outcome. Returns the final event or None."""
        self._current = upload
        base = dict(uploader=self.number, seq=upload.seq, key=upload.key, attempt=attempt, instance=instance.name)
        self.history.record("request", **base, policy=upload.policy)
        final, job, last_event = None, None, time.time()
        connection = http.client.HTTPConnection("localhost", instance.port, timeout=self.read_timeout)
        try:
            connection.request("POST", f"/v1/datasets/customers/records?onConflict={upload.policy}"
                                        f"&chunkSize={upload.chunk_size}", body=self._body(), encode_chunked=True,
                               headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson",
                                        "Accept": "application/x-ndjson", "Idempotency-Key": upload.key})
            answer = connection.getresponse()
            if answer.status != 200:
                self.history.record("response", **base, status=answer.status,
                                    body=answer.read(2000).decode(errors="replace"))
                return None
            for raw in answer:
                if not raw.strip():
                    continue
                event = json.loads(raw)
                last_event = time.time()
                job = event.get("job", job)
                self.history.record("event", **base, event=event)
                if event.get("event") in ("completed", "failed", "cancelled", "aborted"):
                    final = event
            self.history.record("response_end", **base, job=job, final=final and final.get("status"))
            return final
        except TimeoutError:
            self.history.record("stall", **base, job=job, silent_for=round(time.time() - last_event, 1))
            return None
        except (OSError, http.client.HTTPException, ValueError) as error:
            self.history.record("cut", **base, job=job, error=f"{type(error).__name__}: {error}",
                                answer=self._answer_after_cut(connection))
            return None
        finally:
            connection.close()

    @staticmethod
    def _answer_after_cut(connection):
        """An answer given before the body was read arrives although our write then fails: read what came."""
        try:
            answer = connection.getresponse()
            return {"status": answer.status, "body": answer.read(2000).decode(errors="replace")}
        except Exception as error:  # nothing arrived: a real cut
            return f"none ({type(error).__name__})"
