"""The client's HTTP framing against a small stand-in for Tally's answer, in the two ways a server
may end a connection: with `Connection: close` and keeping it alive, where the socket
stays open after the answer and only the final event can end the upload."""

import json
import socket
import threading
import unittest

from tally_client import ChunkCommitted, JobEnded, TallyClient, TallyHTTPError


def event(name, **data):
    line = json.dumps(dict(data, event=name, id=0, job="j1")).encode() + b"\n"
    return b"%x\r\n%s\r\n" % (len(line), line)


class OneAnswerServer(object):
    """Reads one request; answers 200 at once, a chunk event after the first 100 lines of the body,
    the final event after its end; then leaves the connection open until the test ends."""

    def __init__(self, connection_header):
        self.connection_header = connection_header
        self.lines = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.listener.accept()
        self.open.append(conn)
        f = conn.makefile("rb")
        while f.readline() not in (b"\r\n", b""):
            pass
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n"
                     + self.connection_header + b"\r\n" + event("job"))
        sent_chunk = False
        while True:
            size = int(f.readline().strip(), 16)
            if size == 0:
                f.readline()
                break
            self.lines += f.read(size).count(b"\n")
            f.readline()
            if self.lines >= 100 and not sent_chunk:
                conn.sendall(event("chunk", chunk=1, lines={"first": 1, "last": 100}))
                sent_chunk = True
        totals = {"received": self.lines, "inserted": self.lines, "updated": 0, "unchanged": 0,
                  "skipped": 0, "rejected": 0}
        conn.sendall(event("completed", status="completed", totals=totals) + b"0\r\n\r\n")

    def close(self):
        for s in self.open + [self.listener]:
            s.close()


class TransportTests(unittest.TestCase):
    def upload_while_progress_arrives(self, connection_header):
        server = OneAnswerServer(connection_header)
        self.addCleanup(server.close)
        chunk_seen = threading.Event()
        waited = {}

        def records():
            for i in range(200):
                yield {"id": i}
            waited["chunk_before_end"] = chunk_seen.wait(10)
            for i in range(200, 300):
                yield {"id": i}

        client = TallyClient("http://127.0.0.1:%d" % server.port, timeout=10)
        final = None
        for e in client.upload_events("customers", records()):
            if isinstance(e, ChunkCommitted):
                chunk_seen.set()
            if isinstance(e, JobEnded):
                final = e
        self.assertTrue(waited["chunk_before_end"])
        self.assertEqual(300, final.totals["received"])

    def test_an_answer_with_connection_close_does_not_stop_the_body(self):
        self.upload_while_progress_arrives(b"Connection: close\r\n")

    def test_a_kept_alive_connection_ends_the_upload_at_the_final_event(self):
        self.upload_while_progress_arrives(b"")

    def test_server_sent_events_are_read_too(self):
        listener = socket.create_server(("127.0.0.1", 0))
        accepted = []

        def serve():
            conn, _ = listener.accept()
            accepted.append(conn)
            f = conn.makefile("rb")
            while f.readline() not in (b"\r\n", b""):
                pass
            while True:  # the body, to its end
                size = int(f.readline().strip(), 16)
                f.read(size)
                f.readline()
                if size == 0:
                    break
            totals = {"received": 1, "inserted": 1, "updated": 0, "unchanged": 0, "skipped": 0, "rejected": 0}
            stream = (b": keep-alive\n\nid: 0\nevent: job\ndata: {\"job\":\"j1\"}\n\n"
                      b"id: 1\nevent: completed\ndata: " + json.dumps({"job": "j1", "status": "completed",
                                                                       "totals": totals}).encode() + b"\n\n")
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(stream), stream))

        threading.Thread(target=serve, daemon=True).start()
        self.addCleanup(lambda: [s.close() for s in accepted + [listener]])
        client = TallyClient("http://127.0.0.1:%d" % listener.getsockname()[1], timeout=10)
        events = list(client.upload_events("customers", [{"id": 1}]))
        self.assertEqual([("job", "0"), ("completed", "1")], [(e.name, e.id) for e in events])
        self.assertEqual(1, events[-1].totals["inserted"])

    def test_a_refusal_on_a_kept_alive_connection_raises_without_waiting_for_the_close(self):
        listener = socket.create_server(("127.0.0.1", 0))
        accepted = []

        def serve():
            conn, _ = listener.accept()
            accepted.append(conn)
            f = conn.makefile("rb")
            while f.readline() not in (b"\r\n", b""):
                pass
            body = json.dumps({"status": 404, "title": "Unknown dataset", "detail": "No dataset 'x'"}).encode()
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

        threading.Thread(target=serve, daemon=True).start()
        self.addCleanup(lambda: [s.close() for s in accepted + [listener]])
        client = TallyClient("http://127.0.0.1:%d" % listener.getsockname()[1], timeout=10)
        with self.assertRaises(TallyHTTPError) as caught:
            client.upload("x", ({"id": i} for i in range(10)))
        self.assertEqual((404, "Unknown dataset", "No dataset 'x'"),
                         (caught.exception.status, caught.exception.title, caught.exception.detail))
