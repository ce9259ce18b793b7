package dev.tally.ndjson;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** Gzip and raw deflate bytes built by hand, for the decoder's tests and the upload tests alike. */
public final class GzipBytes {

    private GzipBytes() {}

    public static byte[] gzip(byte[] bytes) {
        var out = new ByteArrayOutputStream();
        try (var gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * Raw deflate data of a fresh deflater, sync-flushed but not finished: every byte decodable, yet
     * no end, and the next block starts on a byte boundary. The fastest level, whose output also
     * inflates several times faster for long runs.
     */
    public static byte[] deflateFlushed(byte[] bytes) {
        var deflater = new Deflater(Deflater.BEST_SPEED, true);
        deflater.setInput(bytes);
        var out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int count;
        do {
            count = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
            out.write(buffer, 0, count);
        } while (count == buffer.length);
        deflater.end();
        return out.toByteArray();
    }

    public static long crc(byte[] bytes) {
        var crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    /** The low four bytes, as gzip's trailer writes CRC32 and ISIZE. */
    public static byte[] littleEndian(long value) {
        return new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)};
    }

    public static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
