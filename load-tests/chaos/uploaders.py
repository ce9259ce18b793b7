"""The workload: uploaders, each on its own key range, each upload resent with its Idempotency-Key until it ends."""

import gzip
import http.client
import json
import random
import socket
import struct
import threading
import time
import uuid
from datetime import datetime, timezone

from instances import TOKEN

KEY_SPAN = 1_000_000  # uploader i owns the ids [i * KEY_SPAN, (i + 1) * KEY_SPAN)
KEYS_USED = 400  # ids drawn by skip/update uploads, so that later uploads hit existing rows
DIRTY_EVERY = 37  # every so many lines, a line Tally must reject (three kinds in turn)
DUPLICATES = 0.08  # share of lines that repeat an earlier line's key (in-file duplicates)
POLICIES = {"skip": 3, "update": 3, "update-if-newer": 3, "fail": 2}
MODES = {"plain": 6, "atomic": 2, "dryRun": 2}
MAX_REJECTS = 0.15  # share of uploads with a maxRejects: most below their dirty lines (they fail max_rejects), some not
EPOCH = 1_780_000_000  # versions (updated_at, seconds) rise with the upload and jitter, so some lines are stale
FINAL = ("completed", "failed", "cancelled", "aborted")
RESUMABLE = ("aborted", "database_unavailable")  # an attempt that ended so is sent again with its key


class Cut(Exception):
    """The client reset its own connection: an injected fault."""


def weighted(rnd, weights):
    return rnd.choices(list(weights), list(weights.values()))[0]


class Line:
    def __init__(self, text, key=None, name=None, version=None):
        self.text, self.key, self.name, self.version = text, key, name, version
        self.valid = name is not None


class Upload:
    """One logical upload: its body, fixed for every resend, and the lines the model replays."""

    def __init__(self, uploader, seq, rnd, lines, chunk_size):
        self.uploader = uploader
        self.seq = seq
        self.key = f"chaos-{uploader}-{seq}-{uuid.uuid4().hex[:8]}"
        self.policy = weighted(rnd, POLICIES)
        self.mode = weighted(rnd, MODES)
        self.gzip = rnd.random() < 0.3
        self.paced = rnd.random() < 0.6
        self.chunk_size = chunk_size
        self.dirty_every = DIRTY_EVERY
        base = uploader * KEY_SPAN
        if self.policy == "fail":
            # Fresh ids, so that some complete; then at most one id that may exist (an earlier line's or an old one).
            fresh = base + KEYS_USED + seq * lines
            ids = list(range(fresh, fresh + lines))
            draw = rnd.random()
            if draw < 0.4:
                at = rnd.randrange(1, lines)
                ids[at] = ids[rnd.randrange(at)]
            elif draw < 0.6:
                ids[rnd.randrange(lines)] = rnd.randrange(base, base + KEYS_USED)
        else:
            ids = rnd.sample(range(base, base + KEYS_USED), lines)
            for at in range(1, lines):
                if rnd.random() < DUPLICATES:
                    ids[at] = ids[rnd.randrange(at)]
        self.lines = []
        for number, key in enumerate(ids, start=1):
            version = EPOCH + seq * 20 + rnd.randint(-40, 40)
            stamp = datetime.fromtimestamp(version, timezone.utc).isoformat()
            if number % DIRTY_EVERY == 0:
                self.lines.append(Line(self.dirty(number // DIRTY_EVERY, key, stamp), key))
                continue
            name = f"u{uploader}-s{seq}-l{number}"
            self.lines.append(Line(json.dumps({"id": key, "email": f"c{key}@chaos.test", "name": name,
                                               "balance": rnd.randint(0, 99999) / 100, "attrs": {"seq": seq},
                                               "updated_at": stamp}), key, name, version))
        self.dirty_lines = sum(1 for line in self.lines if not line.valid)
        self.max_rejects = rnd.randint(0, self.dirty_lines) if rnd.random() < MAX_REJECTS else None
        raw = ("\n".join(line.text for line in self.lines) + "\n").encode()
        self.bytes = gzip.compress(raw, mtime=0) if self.gzip else raw

    @staticmethod
    def dirty(turn, key, stamp):
        """invalid_json, type_mismatch, unknown_field: rejected whatever the table holds."""
        return ['{"id": %d, "email": oops' % key,
                json.dumps({"id": key, "email": f"c{key}@chaos.test", "name": "x", "balance": "lots",
                            "updated_at": stamp}),
                json.dumps({"id": key, "email": f"c{key}@chaos.test", "name": "x", "nickname": "y",
                            "updated_at": stamp})][turn % 3]

    def path(self):
        extra = {"plain": "", "atomic": "&atomic=true", "dryRun": "&dryRun=true"}[self.mode]
        if self.max_rejects is not None:
            extra += f"&maxRejects={self.max_rejects}"
        return f"/v1/datasets/customers/records?onConflict={self.policy}&chunkSize={self.chunk_size}{extra}"

    def describe(self):
        return dict(policy=self.policy, mode=self.mode, gzip=self.gzip, paced=self.paced, lines=len(self.lines),
                    dirty=self.dirty_lines, chunk_size=self.chunk_size, max_rejects=self.max_rejects)


def reset(connection):
    """Closes with SO_LINGER 0, so that the peer gets an RST rather than a FIN."""
    if connection.sock is not None:
        connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.sock.close()


class Uploader(threading.Thread):
    def __init__(self, number, cluster, history, seed, stop_at, give_up_at, lines, chunk_size, pieces, pause,
                 read_timeout, client_resets):
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
        self.client_resets = client_resets
        self.uploads = []  # (Upload, final event or None), in order
        self.current = None  # [instance name, Idempotency-Key, job] of the attempt in flight: what a kill -9 interrupts

    def run(self):
        seq = 0
        while time.time() < self.stop_at:
            seq += 1
            upload = Upload(self.number, seq, self.rnd, self.lines, self.chunk_size)
            self.history.record("upload_begin", uploader=self.number, seq=seq, key=upload.key, **upload.describe())
            final = self._until_ended(upload, (self.number + seq) % len(self.cluster.instances))
            self.uploads.append((upload, final))
            if final is None:
                return  # gave up: the run's end; the checker reports it

    def _until_ended(self, upload, target):
        attempt = 0
        while time.time() < self.give_up_at:
            attempt += 1
            final = self._send(upload, self.cluster.instances[target], attempt)
            if final is not None and final.get("status") not in RESUMABLE \
                    and (final.get("error") or {}).get("code") not in RESUMABLE:
                return final
            # An aborted, database-failed, refused or cut attempt goes again with the same key, to the other instance.
            target = (target + 1) % len(self.cluster.instances)
            time.sleep(min(0.5 * attempt, 3))
        self.history.record("upload_gave_up", uploader=self.number, seq=upload.seq, key=upload.key, attempts=attempt)
        return None

    def _body(self, connection, upload, cut_after):
        per_piece = max(1, -(-len(upload.bytes) // self.pieces))
        for number, start in enumerate(range(0, len(upload.bytes), per_piece)):
            if number == cut_after:
                reset(connection)
                raise Cut("mid-body")
            yield upload.bytes[start:start + per_piece]
            if upload.paced:
                time.sleep(self.pause)

    def _send(self, upload, instance, attempt):
        """One HTTP attempt; records the request, every event and the outcome. Returns the final event or None."""
        base = dict(uploader=self.number, seq=upload.seq, key=upload.key, attempt=attempt, instance=instance.name)
        draw = self.rnd.random()
        cut_body = self.rnd.randrange(1, self.pieces) if draw < self.client_resets else None
        cut_events = self.rnd.randint(1, 4) if self.client_resets <= draw < 2 * self.client_resets else None
        self.history.record("request", **base, policy=upload.policy, mode=upload.mode,
                            cut_body_at_piece=cut_body, cut_response_after_events=cut_events)
        final, job, last_event, seen, written = None, None, time.time(), 0, 0
        connection = http.client.HTTPConnection("localhost", instance.port, timeout=self.read_timeout)
        self.current = [instance.name, upload.key, None]
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson",
                   "Accept": "application/x-ndjson", "Idempotency-Key": upload.key}
        if upload.gzip:
            headers["Content-Encoding"] = "gzip"
        try:
            connection.request("POST", upload.path(), body=self._body(connection, upload, cut_body),
                               encode_chunked=True, headers=headers)
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
                self.current[2] = job
                self.history.record("event", **base, event=event)
                seen += 1
                if event.get("event") == "chunk":
                    written = max(written, event.get("lines", {}).get("last", 0))
                if event.get("event") in FINAL:
                    # The last line of the chunks this attempt saw written: the checker's, for atomic uploads
                    # (0 also when this answer replays an ended job, which shows no chunk of a rolled-back one).
                    final = dict(event, written_to_line=written)
                elif seen == cut_events:
                    reset(connection)
                    raise Cut("mid-response")
            self.history.record("response_end", **base, job=job, final=final and final.get("status"))
            return final
        except Cut as cut:
            self.history.record("fault", fault=f"client_reset_{cut.args[0].replace('-', '_')}", **base, job=job)
            return None
        except TimeoutError:
            self.history.record("stall", **base, job=job, silent_for=round(time.time() - last_event, 1))
            return None
        except (OSError, http.client.HTTPException, ValueError) as error:
            self.history.record("cut", **base, job=job, error=f"{type(error).__name__}: {error}",
                                answer=self._answer_after_cut(connection))
            return None
        finally:
            self.current = None
            connection.close()

    @staticmethod
    def _answer_after_cut(connection):
        """An answer given before the body was read arrives although our write then fails: read what came."""
        try:
            answer = connection.getresponse()
            return {"status": answer.status, "body": answer.read(2000).decode(errors="replace")}
        except Exception as error:  # nothing arrived: a real cut
            return f"none ({type(error).__name__})"
