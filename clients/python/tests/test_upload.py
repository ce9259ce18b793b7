import json
import os
import subprocess
import sys
import threading
import time
import uuid
import unittest
import urllib.parse

from tally_client import (ChunkCommitted, ConnectionLost, JobEnded, JobStarted, Resuming, TallyClient,
                          TallyHTTPError)

from .support import TOKEN, URL, CuttingProxy, customer, customers, empty_table, psql, table_summary

KEY = uuid.uuid4().hex + "-"  # keys stay with their jobs: a run of the tests uses new ones


def totals(received=0, inserted=0, updated=0, unchanged=0, skipped=0, rejected=0):
    return {"received": received, "inserted": inserted, "updated": updated, "unchanged": unchanged,
            "skipped": skipped, "rejected": rejected}


class UploadTests(unittest.TestCase):
    def setUp(self):
        empty_table()
        self.client = TallyClient(URL, token=TOKEN)

    def test_totals_of_a_small_upload_are_exact(self):
        result = self.client.upload("customers", customers(1, 5))
        self.assertEqual("completed", result.status)
        self.assertEqual(totals(received=5, inserted=5), result.totals)
        self.assertEqual((5, 15, 5), table_summary())

        lines = [customer(4), customer(5, name="changed"), customer(6)]
        result = self.client.upload("customers", lines, on_conflict="update")
        self.assertEqual(totals(received=3, inserted=1, updated=1, unchanged=1), result.totals)
        self.assertEqual([["5", "changed"]], psql("SELECT id, name FROM customers WHERE name = 'changed'"))
        self.assertEqual([], result.skipped)
        self.assertEqual([], result.rejected)

    def test_str_and_bytes_lines_count_physically(self):
        lines = [json.dumps(customer(1)) + "\n", "", (json.dumps(customer(2)) + "\r\n").encode(), b"{oops"]
        result = self.client.upload("customers", lines)
        self.assertEqual(totals(received=3, inserted=2, rejected=1), result.totals)
        self.assertEqual([(4, "invalid_json")], [(r["line"], r["code"]) for r in result.rejected])

    def test_rejected_lines_come_with_their_codes(self):
        good = customer(1)
        lines = [
            good,                                                     # 1 inserted
            "this is not json",                                       # 2 invalid_json
            "[1, 2]",                                                 # 3 not_an_object
            dict(customer(2), id=None),                               # 4 missing_key
            dict(customer(3), shoe_size=44),                          # 5 unknown_field
            dict(customer(4), balance="x"),                           # 6 type_mismatch
            dict(customer(5), updated_at="2024-01-01T00:00:00"),      # 7 naive_timestamp
            "",                                                       # 8 blank: not a record
            dict(customer(6), name=None),                             # 9 missing_required
            customer(7),                                              # 10 inserted
        ]
        result = self.client.upload("customers", iter(lines))
        self.assertEqual(totals(received=9, inserted=2, rejected=7), result.totals)
        self.assertEqual(
            [(2, "invalid_json"), (3, "not_an_object"), (4, "missing_key"), (5, "unknown_field"),
             (6, "type_mismatch"), (7, "naive_timestamp"), (9, "missing_required")],
            [(r["line"], r["code"]) for r in result.rejected])
        self.assertTrue(all(r["message"] for r in result.rejected))
        self.assertEqual([["1"], ["7"]], psql("SELECT id FROM customers ORDER BY id"))

    def test_skipped_keys_come_with_their_lines(self):
        self.client.upload("customers", customers(1, 3))
        lines = [customer(2), customer(4), customer(3), customer(4, name="again"), customer(5)]
        result = self.client.upload("customers", lines, on_conflict="skip")
        self.assertEqual(totals(received=5, inserted=2, skipped=3), result.totals)
        self.assertEqual([(1, {"id": 2}, "exists"), (3, {"id": 3}, "exists"), (4, {"id": 4}, "exists")],
                         [(r["line"], r["key"], r["reason"]) for r in result.skipped])
        self.assertEqual((5, 15, 5), table_summary())

    def test_row_log_is_read_a_page_at_a_time(self):
        self.client.upload("customers", customers(1, 10))
        import tally_client.client as module
        page, module.ROWS_PAGE = module.ROWS_PAGE, 3
        try:
            result = self.client.upload("customers", customers(1, 10))
            self.assertEqual(list(range(1, 11)), [r["line"] for r in result.skipped])
        finally:
            module.ROWS_PAGE = page

    def test_events_arrive_as_the_job_runs(self):
        events = list(self.client.upload_events("customers", customers(1, 2500), chunk_size=1000, gzip=True))
        self.assertIsInstance(events[0], JobStarted)
        self.assertIsInstance(events[-1], JobEnded)
        chunks = [e for e in events if isinstance(e, ChunkCommitted)]
        self.assertEqual(2500, chunks[-1].last_line)
        self.assertEqual(2500, sum(e.counts["inserted"] for e in chunks))
        self.assertEqual(totals(received=2500, inserted=2500), events[-1].totals)

    def test_progress_arrives_before_the_body_ends(self):
        first_chunk = threading.Event()
        seen = {}

        def records():
            for i in range(1, 3001):
                yield customer(i)
            # The body stays open until the client has read a chunk event (or 30 s passed).
            seen["before_end"] = first_chunk.wait(30)
            for i in range(3001, 4001):
                yield customer(i)

        for event in self.client.upload_events("customers", records(), chunk_size=1000):
            if isinstance(event, ChunkCommitted):
                first_chunk.set()
            if isinstance(event, JobEnded):
                self.assertEqual(totals(received=4000, inserted=4000), event.totals)
        self.assertTrue(seen["before_end"], "no chunk event arrived while the body was still being sent")

    def test_refusals_raise_with_status_title_and_detail(self):
        with self.assertRaises(TallyHTTPError) as caught:
            self.client.upload("no_such_dataset", customers(1, 3))
        self.assertEqual(404, caught.exception.status)
        self.assertTrue(caught.exception.title)
        self.assertIn("no_such_dataset", caught.exception.detail)

        with self.assertRaises(TallyHTTPError) as caught:
            self.client.upload("customers", customers(1, 3), chunk_size=0)
        self.assertEqual(400, caught.exception.status)

        with self.assertRaises(TallyHTTPError) as caught:
            TallyClient(URL, token="wrong").upload("customers", customers(1, 3))
        self.assertEqual(401, caught.exception.status)
        self.assertEqual((0, 0, 0), table_summary())

    def test_a_server_that_is_not_there_is_a_lost_connection(self):
        proxy = CuttingProxy(1, 1)
        proxy.close()
        started = time.monotonic()
        with self.assertRaises(ConnectionLost) as caught:
            TallyClient("http://127.0.0.1:%d" % proxy.port, token=TOKEN).upload(
                "customers", customers(1, 3), idempotency_key=KEY + "nowhere")
        self.assertIsNone(caught.exception.job)
        self.assertLess(time.monotonic() - started, 5, "no job started: nothing to resume, no waiting")

    def test_records_that_fail_stop_the_upload_with_their_error(self):
        def records():
            yield customer(1)
            raise RuntimeError("the source broke")

        with self.assertRaises(RuntimeError):
            self.client.upload("customers", records())

    def test_the_same_key_again_replays_the_first_outcome(self):
        first = self.client.upload("customers", customers(1, 4), idempotency_key=KEY + "replay-1")
        again = self.client.upload("customers", customers(1, 4), idempotency_key=KEY + "replay-1")
        self.assertEqual(first.job, again.job)
        self.assertEqual(totals(received=4, inserted=4), again.totals)
        self.assertEqual((4, 10, 4), table_summary())


class ResumeTests(unittest.TestCase):
    N = 20000

    def setUp(self):
        empty_table()
        self.port = urllib.parse.urlsplit(URL).port
        self.proxy = CuttingProxy(self.port, after_chunks=3)
        self.addCleanup(self.proxy.close)
        self.through_proxy = TallyClient("http://127.0.0.1:%d" % self.proxy.port, token=TOKEN)

    def test_a_dropped_connection_resumes_under_the_idempotency_key(self):
        events = list(self.through_proxy.upload_events(
            "customers", customers(1, self.N), chunk_size=500, idempotency_key=KEY + "resume-1"))
        self.assertTrue(self.proxy.cut.is_set())
        resumes = [e for e in events if isinstance(e, Resuming)]
        self.assertEqual(1, len(resumes))
        self.assertGreaterEqual(resumes[0].data["committedLine"], 1000)
        jobs = {e.job for e in events if isinstance(e, JobStarted)}
        self.assertEqual(1, len(jobs), "the resumed upload is the same job")
        final = events[-1]
        self.assertEqual("completed", final.status)
        # Every line once: a line applied twice would have been skipped (the key exists).
        self.assertEqual(totals(received=self.N, inserted=self.N), final.totals)
        self.assertEqual((self.N, self.N * (self.N + 1) // 2, self.N), table_summary())

    def test_without_resume_a_dropped_connection_raises_and_sending_again_resumes(self):
        with self.assertRaises(ConnectionLost) as caught:
            self.through_proxy.upload("customers", customers(1, self.N), chunk_size=500,
                                      idempotency_key=KEY + "resume-2", resume=False)
        lost = caught.exception
        self.assertIsNotNone(lost.job)
        self.assertGreaterEqual(lost.committed_line, 1000)
        direct = TallyClient(URL, token=TOKEN)
        result = None
        for _ in range(50):  # Tally may not have noticed the lost connection yet: 409 until then
            try:
                result = direct.upload("customers", customers(1, self.N), chunk_size=500, idempotency_key=KEY + "resume-2")
                break
            except TallyHTTPError as e:
                if e.status != 409:
                    raise
                threading.Event().wait(0.2)
        self.assertEqual(lost.job, result.job)
        self.assertEqual(totals(received=self.N, inserted=self.N), result.totals)
        self.assertEqual((self.N, self.N * (self.N + 1) // 2, self.N), table_summary())


@unittest.skipIf(os.environ.get("TALLY_CLIENT_BIG") == "0", "TALLY_CLIENT_BIG=0 leaves out the 1,000,000 records")
class BigUploadTests(unittest.TestCase):
    N = 1000000

    def setUp(self):
        empty_table()

    def test_a_million_generated_records_keep_the_client_small(self):
        # In a process of its own, so that its peak RSS is the upload's; with a key, so that the
        # lines kept for a resume are part of what is measured.
        out = subprocess.run([sys.executable, "-m", "tests.upload_generated", URL, TOKEN, str(self.N), KEY + "big"],
                             check=True, capture_output=True, text=True).stdout
        measured = json.loads(out)
        self.assertEqual(totals(received=self.N, inserted=self.N), measured["totals"])
        self.assertLess(measured["peakRssKb"], 100 * 1024, measured)
        self.assertEqual((self.N, self.N * (self.N + 1) // 2, self.N), table_summary())
        print("\n  1,000,000 records: %s" % measured, file=sys.stderr)
