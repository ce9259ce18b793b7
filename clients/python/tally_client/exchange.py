"""One upload request on a raw socket, full duplex: a thread sends the body with chunked transfer
encoding while the caller reads the events from the same connection.

http.client is not used here: on ``Connection: close`` it hands the socket to the response and
sends nothing more, while Tally answers an upload before its body ends. This module neither relies
on nor is disturbed by ``Connection: close``; it reads one response and then closes the socket, so
a server that keeps connections alive is served the same way.
"""

import json
import socket
import threading
import zlib

from .errors import ConnectionLost, TallyHTTPError
from .events import FINAL_NAMES, event_of

MAX_PROBLEM_BYTES = 1024 * 1024


class Exchange(object):
    def __init__(self, host, port, timeout):
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._file = self._sock.makefile("rb", buffering=65536)
        self._done = threading.Event()  # the final event or an error response arrived
        self._sender = None
        self.send_error = None

    # -- sending ---------------------------------------------------------------------------

    def start_sending(self, head, source, prefix, gzip):
        self._sender = threading.Thread(
            target=self._send, args=(head, source, prefix, gzip), name="tally-send", daemon=True)
        self._sender.start()

    def _send(self, head, source, prefix, gzip):
        sock = self._sock
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None
        try:
            sock.sendall(head)
            for batch in prefix:
                self._send_chunk(b"".join(batch), compressor, False)
            while True:
                batch = source.take(self._done.is_set)
                if batch is None:
                    break
                self._send_chunk(b"".join(batch), compressor, True)
            if source.error is not None:
                # The caller's records failed: break the request off so that Tally ends the job.
                self.abort()
                return
            if self._done.is_set():
                return
            if compressor is not None:
                tail = compressor.flush()
                sock.sendall(b"%x\r\n%s\r\n" % (len(tail), tail))
            sock.sendall(b"0\r\n\r\n")
        except (OSError, ValueError) as e:  # ValueError: the socket was closed under us
            if not self._done.is_set():
                self.send_error = e
                self.abort()

    def _send_chunk(self, data, compressor, sync):
        if compressor is not None:
            data = compressor.compress(data) + (compressor.flush(zlib.Z_SYNC_FLUSH) if sync else b"")
        if data:
            self._sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))

    # -- receiving -------------------------------------------------------------------------

    def head(self):
        """(status, headers) of the response, interim 1xx answers skipped."""
        while True:
            line = self._readline()
            parts = line.split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
                raise ConnectionLost("Tally answered something that is not HTTP: %r" % line[:200])
            status = int(parts[1])
            headers = {}
            while True:
                line = self._readline()
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            if status >= 200:
                return status, headers

    def _readline(self):
        line = self._file.readline(65537)
        if not line:
            raise ConnectionLost("Tally closed the connection before it answered")
        return line

    def body(self, headers):
        """The response body's bytes, piece by piece, decoding chunked transfer encoding."""
        f = self._file
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size_line = f.readline(1024)
                if not size_line:
                    raise EOFError
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    return
                data = f.read(size)
                if len(data) < size:
                    raise EOFError
                f.readline(3)  # the CRLF after the chunk
                yield data
        elif "content-length" in headers:
            left = int(headers["content-length"])
            while left > 0:
                data = f.read1(min(left, 65536))
                if not data:
                    raise EOFError
                left -= len(data)
                yield data
        else:
            while True:
                data = f.read1(65536)
                if not data:
                    return
                yield data

    def problem(self, status, headers):
        """The TallyHTTPError for an answer >= 400: its problem document's title and detail."""
        self._done.set()
        raw = b""
        try:
            for piece in self.body(headers):
                raw += piece
                if len(raw) > MAX_PROBLEM_BYTES:
                    break
        except (OSError, EOFError, ValueError):
            pass
        try:
            problem = json.loads(raw.decode("utf-8"))
        except ValueError:
            problem = {"detail": raw.decode("utf-8", "replace")[:2000]}
        if not isinstance(problem, dict):
            problem = {"detail": str(problem)}
        return TallyHTTPError(status, problem.get("title"), problem.get("detail"), problem)

    def events(self, headers):
        """The events of a 200 answer, NDJSON or server-sent events, ending with the final one."""
        lines = _lines(self.body(headers))
        if headers.get("content-type", "").startswith("text/event-stream"):
            return _sse_events(lines)
        return _ndjson_events(lines)

    def finish(self):
        """The final event arrived: stop sending, if it had not ended, and close the socket."""
        self._done.set()
        self.close()

    def abort(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self):
        self._done.set()
        self.abort()
        if self._sender is not None and self._sender is not threading.current_thread():
            self._sender.join(5)
        try:
            self._file.close()
        finally:
            self._sock.close()


def _lines(pieces):
    rest = b""
    for piece in pieces:
        rest += piece
        if b"\n" not in piece:
            continue
        lines = rest.split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line.rstrip(b"\r")
    if rest:
        yield rest


def _ndjson_events(lines):
    for line in lines:
        if not line.strip() or line.startswith(b":"):
            continue
        data = json.loads(line.decode("utf-8"))
        name = data.pop("event", None)
        event_id = data.pop("id", None)
        yield event_of(name, event_id, data)
        if name in FINAL_NAMES:
            return


def _sse_events(lines):
    name, event_id, data = None, None, []
    for line in lines:
        if not line:
            if data:
                event = event_of(name or "message", event_id, json.loads(b"\n".join(data).decode("utf-8")))
                yield event
                if event.name in FINAL_NAMES:
                    return
            name, data = None, []
            continue
        if line.startswith(b":"):
            continue
        field, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if field == b"event":
            name = value.decode("utf-8")
        elif field == b"id":
            event_id = value.decode("utf-8")
        elif field == b"data":
            data.append(value)
