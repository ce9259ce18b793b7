"""What the tests share: the Tally under test, its database through psql, records, and a proxy
that breaks a connection off."""

import os
import socket
import subprocess
import threading

URL = os.environ.get("TALLY_URL", "http://127.0.0.1:8080")
TOKEN = os.environ.get("TALLY_TOKEN", "tally-demo-token")
DB = os.environ.get("TALLY_TEST_DB", "tally")


def psql(sql):
    """The rows psql prints for sql, as lists of strings (run-tests.sh sets PGHOST and PGUSER)."""
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", DB, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("|") for line in out.splitlines()]


def empty_table():
    psql("TRUNCATE customers")


def customer(i, name=None):
    return {"id": i, "email": "c%d@example.com" % i, "name": name or "n%d" % i, "balance": 12.5,
            "updated_at": "2024-01-01T00:00:00Z"}


def customers(first, last):
    """A generator: records are made as they are read, never held together."""
    for i in range(first, last + 1):
        yield customer(i)


def table_summary():
    """count, sum of ids, and how many rows hold exactly what customer(id) wrote."""
    row = psql("SELECT count(*), coalesce(sum(id), 0), "
               "count(*) FILTER (WHERE email = 'c' || id || '@example.com' AND name = 'n' || id "
               "AND balance = 12.50 AND updated_at = '2024-01-01T00:00:00Z') FROM customers")[0]
    return tuple(int(x) for x in row)


class CuttingProxy(object):
    """Relays TCP connections to Tally; the first one it breaks off (both ways, mid-body) once it
    has relayed `after_chunks` chunk events to the client. Later connections pass untouched."""

    def __init__(self, upstream_port, after_chunks):
        self.upstream_port = upstream_port
        self.after_chunks = after_chunks
        self.cut = threading.Event()
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            cutting = self.connections == 1
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, cutting), daemon=True).start()

    def _pump(self, src, dst, cutting):
        seen = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
                if cutting:
                    seen = (seen + data)[-1000000:]
                    if seen.count(b'"event":"chunk"') >= self.after_chunks:
                        self.cut.set()
                        for s in (src, dst):
                            s.shutdown(socket.SHUT_RDWR)
                            s.close()
                        return
        except OSError:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def close(self):
        self._listener.close()
