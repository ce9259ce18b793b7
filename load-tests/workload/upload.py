"""One upload through curl, read event by event as it arrives, with the service's memory sampled."""

import json
import subprocess
import tempfile
import threading
import time

from .common import DATASET, FINAL_EVENTS, TOTAL_KEYS


class RssPoller(threading.Thread):
    """Samples VmRSS of pid every 100 ms; also resets and reads VmHWM when the kernel lets us."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.status = f"/proc/{pid}/status"
        self.peak_kb = self.last_kb = 0
        self.stop_event = threading.Event()
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS: a per-scenario peak
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False

    def read(self):
        values = {}
        try:
            with open(self.status) as f:
                for line in f:
                    if line.startswith(("VmRSS:", "VmHWM:")):
                        k, v = line.split(":")
                        values[k] = int(v.split()[0])
        except OSError:
            pass
        return values

    def run(self):
        while True:
            v = self.read()
            if "VmRSS" in v:
                self.last_kb = v["VmRSS"]
                self.peak_kb = max(self.peak_kb, self.last_kb)
            if self.stop_event.wait(0.1):
                break

    def stop(self):
        self.stop_event.set()
        self.join()
        v = self.read()
        if self.hwm_reset and "VmHWM" in v:
            self.peak_kb = max(self.peak_kb, v["VmHWM"])
        return self.peak_kb


def upload(url, token, path, policy, timeout, chunk_size=None, rss=None, rss_mark=None):
    """Stream the file through curl, sending the token as Authorization: Bearer, and read the event
    stream as it arrives.

    Returns a dict: seconds (curl start -> final event), first_chunk (seconds), final (event or None),
    chunk_sum (counts summed over chunk events), problems (list of str), job, rss_marks:
    {k: the service's RSS in kB when the chunk events first reported line k * rss_mark}, started (curl's
    start on the time.monotonic() clock, to line up uploads run at once) and chunk_lines: per chunk event,
    (lines received, the event's last line, whether it is one chunk rather than merged ones).
    """
    query = f"onConflict={policy}" + (f"&chunkSize={chunk_size}" if chunk_size else "")
    cmd = ["curl", "-sS", "-N", "-T", str(path), "-X", "POST",
           "-H", "Content-Type: application/x-ndjson", "-H", "Transfer-Encoding: chunked",
           "-H", "Expect:", "-H", "Accept: application/x-ndjson", "-H", f"Authorization: Bearer {token}",
           f"{url.rstrip('/')}/v1/datasets/{DATASET}/records?{query}"]
    res = {"seconds": None, "first_chunk": None, "final": None, "job": None, "rss_marks": {},
           "chunk_sum": dict.fromkeys(TOTAL_KEYS, 0), "problems": [], "chunk_events": 0, "started": None,
           "chunk_lines": []}
    other = []  # output that is not an event: a problem document, an HTML error page...
    sse = {"event": None}

    def handle(raw, now):
        line = raw.strip()
        if not line or line.startswith(b":"):
            return  # keep-alive
        if line.startswith(b"event:"):  # tolerate an SSE response
            sse["event"] = line[6:].strip().decode()
            return
        if line.startswith((b"id:", b"retry:")):
            return
        is_data = line.startswith(b"data:")
        try:
            ev = json.loads(line[5:] if is_data else line)
        except ValueError:
            ev = None
        name = ev.get("event") or (sse["event"] if is_data else None) if isinstance(ev, dict) else None
        sse["event"] = None
        if name is None:
            other.append(raw.decode(errors="replace"))
        elif name == "job":
            res["job"] = ev.get("job")
        elif name in FINAL_EVENTS:
            if res["final"] is None:
                res["final"], res["seconds"] = dict(ev, event=name), now
            else:
                res["problems"].append(f"a second final event: {name}")
        elif "counts" in ev:  # "chunk", or merged chunks
            try:
                on_chunk(res, ev, now, rss, rss_mark)
            except (TypeError, ValueError, AttributeError) as e:
                res["problems"].append(f"malformed chunk event ({e}): {raw[:500]!r}")

    with tempfile.TemporaryFile() as err:
        t0 = res["started"] = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        timed_out, lingered, timers = threading.Event(), threading.Event(), []

        def arm(seconds, flag):
            def fire():
                flag.set()
                proc.kill()
            timers.append(threading.Timer(seconds, fire))
            timers[-1].start()

        arm(timeout, timed_out)
        try:
            for raw in proc.stdout:
                had_final = res["final"] is not None
                handle(raw, time.monotonic() - t0)
                if res["final"] is not None and not had_final:
                    timers[-1].cancel()
                    arm(10, lingered)  # the response should end with the final event
            rc = proc.wait()
        finally:
            for t in timers:
                t.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        stderr = err.read().decode(errors="replace").strip()
    if lingered.is_set():
        res["problems"].append("the response did not end within 10 s of the final event")
    if timed_out.is_set():
        res["problems"].append(f"killed curl after --timeout {timeout:g} s")
    if rc != 0:
        res["problems"].append(f"curl exited {rc}: {stderr or '(no stderr)'}")
    if res["final"] is None:
        res["problems"].append("no final event" + ("" if rc else f" (curl exited 0; stderr: {stderr or '-'})"))
    if other:
        body = "".join(other)
        res["problems"].append("non-event output: " + (body[:2000] + "..." if len(body) > 2000 else body))
    return res


def on_chunk(res, ev, now, rss, rss_mark):
    if res["first_chunk"] is None:
        res["first_chunk"] = now
    res["chunk_events"] += 1
    counts, totals = ev.get("counts") or {}, ev.get("totals") or {}
    for k in TOTAL_KEYS:
        res["chunk_sum"][k] += int(counts.get(k, 0))
    for label, c in (("counts", counts), ("totals", totals)):
        if c and c.get("received") != sum(int(c.get(k, 0)) for k in TOTAL_KEYS[1:]):
            res["problems"].append(f"chunk {ev.get('chunk', ev.get('chunks'))}: {label} do not add up: {c}")
    res["chunk_lines"].append((int(counts.get("received", 0)), int((ev.get("lines") or {}).get("last") or 0),
                               "chunk" in ev))
    if rss and rss_mark:
        # time maps to lines through the events as they arrive: this event says line `last` is done
        last = int((ev.get("lines") or {}).get("last") or totals.get("received", 0))
        marks, k = res["rss_marks"], last // rss_mark
        if k >= 1 and k not in marks:
            kb = rss.read().get("VmRSS", rss.last_kb)  # now, not the poller's last sample
            for j in range(max(marks, default=0) + 1, k + 1):  # a merged event may pass several marks
                marks[j] = kb
