package dev.tally.ndjson;

import static dev.tally.ndjson.GzipBytes.concat;
import static dev.tally.ndjson.GzipBytes.crc;
import static dev.tally.ndjson.GzipBytes.deflateFlushed;
import static dev.tally.ndjson.GzipBytes.gzip;
import static dev.tally.ndjson.GzipBytes.littleEndian;
import static dev.tally.testing.Totals.assertTotals;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.UploadClient;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * {@code Content-Encoding: gzip}: decoded as a stream into the same lines as a plain body, a bomb
 * stopped by the line limit, and a corrupt stream failing the job after the lines before the fault.
 */
class GzipUploadIntegrationTests extends ServiceIntegrationTest {

    // Lines 1 to 250 are whole; line 251 is the one the faults below break into.
    private static final String WHOLE_LINES = IntStream.rangeClosed(1, 250)
            .mapToObj(GzipUploadIntegrationTests::thing)
            .collect(Collectors.joining());
    private static final String LAST_LINE = "{\"id\":251,\"label\":\"thing 251\"}";
    // A minimal member header: no optional fields.
    private static final byte[] GZIP_HEADER = {0x1F, (byte) 0x8B, 8, 0, 0, 0, 0, 0, 0, (byte) 0xFF};

    @Test
    void membersSplitAnywhereAreWrittenLikeThePlainBody() {
        byte[] text = (WHOLE_LINES + "\n" + LAST_LINE).getBytes(UTF_8);
        // Three members, cut inside lines 100 and 201.
        int first = WHOLE_LINES.indexOf("{\"id\":100,") + 5;
        int second = WHOLE_LINES.indexOf("{\"id\":201,") + 9;
        byte[] body = concat(
                gzip(Arrays.copyOfRange(text, 0, first)),
                gzip(Arrays.copyOfRange(text, first, second)),
                gzip(Arrays.copyOfRange(text, second, text.length)));

        List<JsonNode> events = client.events("things", "", body, "gzip");

        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 251, 251, 0, 0, 0, 0);
        assertThat(end.get("chunks").asInt()).isEqualTo(3);
        assertThat(ids()).isEqualTo(LongStream.rangeClosed(1, 251).boxed().toList());
        assertThat(db.query("SELECT label FROM things WHERE id IN (100, 201, 251) ORDER BY id"))
                .extracting(row -> row.get("label"))
                .containsExactly("thing 100", "thing 201", "thing 251");
    }

    @Test
    void bombOfOneHugeLineIsOneLineTooLongRejectAndTheNextLineIsWritten() {
        long bombLength = 1L << 30;
        byte[] body = bomb(thing(1), 1024, "\n" + thing(3));
        assertThat(body.length).isLessThan(5 << 20);

        List<JsonNode> events = client.events("things", "", body, "gzip");

        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 3, 2, 0, 0, 0, 1);
        assertThat(end.get("chunks").asInt()).isEqualTo(1);
        assertThat(db.query(
                        "SELECT line, outcome, reason, message, text FROM tally.row_log WHERE job_id = ?::uuid",
                        end.get("job").asString()))
                .containsExactly(Map.of(
                        "line",
                        2L,
                        "outcome",
                        "rejected",
                        "reason",
                        "line_too_long",
                        "message",
                        "line is " + bombLength + " bytes, over the limit",
                        "text",
                        "a".repeat(1024)));
        assertThat(ids()).containsExactly(1L, 3L);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            truncated       | the gzip stream is truncated: the body ends inside the deflate data of member 1
            corrupt deflate | corrupt deflate data in gzip member 1: invalid block type
            crc mismatch    | CRC32 mismatch in gzip member 1: the trailer says 0x%08X, the data has 0x%08X
            """)
    void corruptStreamFailsTheJobAfterWritingTheLinesBeforeTheFault(String fault, String reason) {
        byte[] text = (WHOLE_LINES + LAST_LINE).getBytes(UTF_8);
        byte[] body =
                switch (fault) {
                    case "truncated" -> concat(GZIP_HEADER, deflateFlushed(text));
                    // After a sync flush a block starts on a byte boundary: 0xFF is a block of type 3, which is
                    // invalid.
                    case "corrupt deflate" -> concat(GZIP_HEADER, deflateFlushed(text), new byte[] {(byte) 0xFF, 0});
                    default -> {
                        byte[] member = gzip(text);
                        member[member.length - 8] ^= 0x01;
                        yield member;
                    }
                };
        String expectedReason = fault.equals("crc mismatch") ? reason.formatted(crc(text) ^ 0x01, crc(text)) : reason;

        List<JsonNode> events = client.events("things", "", body, "gzip");

        String error = "{\"code\":\"invalid_gzip\",\"message\":\"" + expectedReason
                + "; decoding stopped in line 251\",\"line\":251}";
        assertFailedWithTrueTotals(events, error, 250, 3);
        // The last line is whole JSON, but it was being read when the stream broke: never written.
        assertThat(ids()).isEqualTo(LongStream.rangeClosed(1, 250).boxed().toList());
    }

    @Test
    void corruptStreamRollsBackAnAtomicUpload() {
        byte[] text = (WHOLE_LINES + LAST_LINE).getBytes(UTF_8);

        List<JsonNode> events =
                client.events("things", "atomic=true", concat(GZIP_HEADER, deflateFlushed(text)), "gzip");

        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("committed").asBoolean()).isFalse();
        assertThat(end.get("error").get("code").asString()).isEqualTo("invalid_gzip");
        assertThat(end.get("totals").get("inserted").asLong()).isEqualTo(250);
        String job = end.get("job").asString();
        assertThat(db.count("SELECT count(*) FROM tally.chunk WHERE job_id = '" + job + "'"))
                .isZero();
        assertThat(db.count("SELECT inserted FROM tally.job WHERE id = '" + job + "'"))
                .isZero();
        assertThat(ids()).isEmpty();
    }

    @Test
    void bodyThatIsNotGzipFailsTheJobWithNothingWritten() {
        List<JsonNode> events = client.events("things", "", (WHOLE_LINES + LAST_LINE).getBytes(UTF_8), "gzip");

        assertFailedWithTrueTotals(
                events,
                "{\"code\":\"invalid_gzip\",\"message\":\"not gzip data: byte 0 of the body is 0x7B, where a gzip"
                        + " stream has 0x1F; decoding stopped in line 1\",\"line\":1}",
                0,
                0);
        assertThat(ids()).isEmpty();
    }

    @Test
    void unsupportedEncodingIsRefusedNamingTheSupportedOnes() {
        long jobs = db.count("SELECT count(*) FROM tally.job");

        client.web()
                .post()
                .uri("/v1/datasets/things/records")
                .contentType(MediaType.APPLICATION_NDJSON)
                .header(HttpHeaders.CONTENT_ENCODING, "br")
                .bodyValue(thing(1))
                .exchange()
                .expectStatus()
                .isEqualTo(415)
                .expectHeader()
                .contentType("application/problem+json")
                .expectHeader()
                .valueEquals(HttpHeaders.ACCEPT_ENCODING, "identity, gzip")
                .expectBody()
                .jsonPath("$.title")
                .isEqualTo("Unsupported content encoding")
                .jsonPath("$.detail")
                .isEqualTo("Content-Encoding br is not supported; send the body as one of: identity, gzip");

        assertThat(db.count("SELECT count(*) FROM tally.job")).isEqualTo(jobs);
        assertThat(ids()).isEmpty();
    }

    /**
     * The job ended {@code failed} with {@code error}; the final event, the job's row, its document
     * and its ledger all hold the same totals: {@code inserted} lines, all inserted, in {@code chunks}.
     */
    private void assertFailedWithTrueTotals(List<JsonNode> events, String error, long inserted, int chunks) {
        JsonNode end = events.getLast();
        String job = end.get("job").asString();
        assertThat(events.getFirst().get("event").asString()).isEqualTo("job");
        assertThat(events.subList(1, events.size() - 1))
                .allSatisfy(event -> assertThat(event.get("event").asString()).isEqualTo("chunk"));
        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("error").toString()).isEqualTo(error);
        assertTotals(end, inserted, inserted, 0, 0, 0, 0);
        assertThat(end.get("chunks").asInt()).isEqualTo(chunks);

        assertThat(db.query(
                        "SELECT count(*) AS chunks, coalesce(sum(received), 0) AS received,"
                                + " coalesce(sum(inserted), 0) AS inserted, coalesce(sum(rejected), 0) AS rejected"
                                + " FROM tally.chunk WHERE job_id = ?::uuid",
                        job))
                .containsExactly(
                        Map.of("chunks", (long) chunks, "received", inserted, "inserted", inserted, "rejected", 0L));
        assertThat(db.query(
                        "SELECT status, received, inserted, rejected, chunks, error::text AS error FROM tally.job"
                                + " WHERE id = ?::uuid",
                        job))
                .hasSize(1)
                .first()
                .satisfies(row -> {
                    assertThat(row)
                            .containsEntry("status", "failed")
                            .containsEntry("received", inserted)
                            .containsEntry("inserted", inserted)
                            .containsEntry("rejected", 0L)
                            .containsEntry("chunks", chunks);
                    assertThat(UploadClient.json((String) row.get("error"))).isEqualTo(UploadClient.json(error));
                });
        JsonNode document = UploadClient.json(client.get("/v1/jobs/{id}", job));
        assertThat(document.get("status").asString()).isEqualTo("failed");
        assertThat(document.get("error")).isEqualTo(UploadClient.json(error));
        assertThat(document.get("totals")).isEqualTo(end.get("totals"));
        assertThat(document.get("chunks").asInt()).isEqualTo(chunks);
        assertThat(db.count("SELECT count(*) FROM tally.row_log WHERE job_id = ?::uuid", job))
                .isZero();
    }

    private List<Long> ids() {
        return db.query("SELECT id FROM things ORDER BY id").stream()
                .map(row -> (Long) row.get("id"))
                .toList();
    }

    private static String thing(int id) {
        return "{\"id\":%d,\"label\":\"thing %d\"}\n".formatted(id, id);
    }

    /**
     * One gzip member: {@code before}, {@code mebibytes} MiB of 'a' with no newline, then {@code
     * after}. Built without compressing the gigabyte: one mebibyte is compressed by a fresh deflater
     * and flushed to a byte boundary, so its data refers to nothing before it and copies of it in a
     * row decode to copies of the mebibyte.
     */
    private static byte[] bomb(String before, int mebibytes, String after) {
        byte[] block = new byte[1 << 20];
        Arrays.fill(block, (byte) 'a');
        byte[] compressedBlock = deflateFlushed(block);
        var crc = new CRC32();
        var out = new ByteArrayOutputStream();
        out.writeBytes(GZIP_HEADER);
        out.writeBytes(deflateFlushed(before.getBytes(UTF_8)));
        crc.update(before.getBytes(UTF_8));
        for (int i = 0; i < mebibytes; i++) {
            out.writeBytes(compressedBlock);
            crc.update(block);
        }
        out.writeBytes(deflateFlushed(after.getBytes(UTF_8)));
        crc.update(after.getBytes(UTF_8));
        // The final block: empty, with fixed Huffman codes.
        out.writeBytes(new byte[] {0x03, 0x00});
        long length = before.length() + ((long) mebibytes << 20) + after.length();
        out.writeBytes(littleEndian(crc.getValue()));
        out.writeBytes(littleEndian(length));
        return out.toByteArray();
    }
}
