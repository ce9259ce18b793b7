#!/usr/bin/env python3
"""Requests per second over one kept-alive connection against a new connection for each request.

Sends N one-line uploads (`Accept: application/json`, so each answer is the job's final document)
and N `GET /v1/jobs/{id}`, first over one connection, then with a new connection each, against a
running Tally serving the demo's `customers` dataset. Standard library only.

    python3 load-tests/keepalive.py --url http://localhost:8080 --n 10000
"""
import argparse
import http.client
import json
import time
import urllib.parse

DEFAULT_TOKEN = "tally-demo-token"


def line(key):
    return json.dumps({"id": key, "email": "k%d@example.com" % key, "name": "Keep-alive %d" % key,
                       "updated_at": "2026-01-01T00:00:00Z"}).encode() + b"\n"


class Client:
    def __init__(self, url, token, keep_alive):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.headers = {"Authorization": "Bearer " + token}
        self.keep_alive = keep_alive
        self.connection = None
        self.connections = 0

    def request(self, method, path, body=None, headers=None):
        if self.connection is None or not self.keep_alive:
            if self.connection is not None:
                self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.connections += 1
        self.connection.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise SystemExit("%s %s answered %d: %s" % (method, path, response.status, data[:300]))
        if response.will_close:
            self.connection.close()
            self.connection = None
        return data

    def close(self):
        if self.connection is not None:
            self.connection.close()


def uploads(client, first_key, n):
    job = None
    for key in range(first_key, first_key + n):
        answer = json.loads(client.request(
            "POST", "/v1/datasets/customers/records?onConflict=update", body=line(key),
            headers={"Content-Type": "application/x-ndjson", "Accept": "application/json"}))
        if answer["status"] != "completed" or answer["totals"]["received"] != 1:
            raise SystemExit("unexpected answer: %s" % answer)
        job = answer["job"]
    return job


def gets(client, job, n):
    for _ in range(n):
        json.loads(client.request("GET", "/v1/jobs/" + job))


def timed(label, work, client, n):
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print("| %s | %s | %d | %d | %.1f | %.0f |" % (
        label, "one connection" if client.keep_alive else "a new connection each",
        n, client.connections, seconds, n / seconds))
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://localhost:8080")
    p.add_argument("--token", default=DEFAULT_TOKEN)
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--first-key", type=int, default=900_000_000, help="keys used: first-key .. first-key+n-1")
    args = p.parse_args()
    print("| requests | connections asked for | requests | connections opened | seconds | requests/s |")
    print("|---|---|---:|---:|---:|---:|")
    for keep_alive in (True, False):
        writer = Client(args.url, args.token, keep_alive)
        job = timed("one-line uploads", lambda: uploads(writer, args.first_key, args.n), writer, args.n)
        writer.close()
        reader = Client(args.url, args.token, keep_alive)
        timed("GET /v1/jobs/{id}", lambda: gets(reader, job, args.n), reader, args.n)
        reader.close()


if __name__ == "__main__":
    main()
