package dev.tally.loadtests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory of the Tally JVM under test, watched from outside with its own JDK's tools ({@code
 * jdk}): its heap through a GC log switched on while the run lasts ({@code jcmd <pid> VM.log}; every
 * collection logs the heap used before and after it, so the peak is the largest "before"), its RSS
 * from {@code /proc/<pid>/status} every 500 ms, and on demand its live heap: {@code jcmd <pid>
 * GC.run} (a full collection), then {@code jstat -gc}. jstat alone cannot give the peak: with the
 * parallel collector its eden figure only changes at collections.
 */
final class ServiceMemory implements AutoCloseable {

    private static final long SAMPLE_MS = 500;
    /** {@code GC(12) Pause Young (Allocation Failure) 58M->17M(213M) 2.345ms}. */
    private static final Pattern PAUSE =
            Pattern.compile("GC\\(\\d+\\) Pause (\\w+) \\(([^)]*)\\).* (\\d+)M->(\\d+)M\\((\\d+)M\\) ([\\d.]+)ms");

    private final long pid;
    private final Path jdk;
    private final Path gcLog;
    private final AtomicLong peakRssKb = new AtomicLong();
    private final Thread rss;

    ServiceMemory(long pid, Path jdk) throws IOException, InterruptedException {
        this.pid = pid;
        this.jdk = jdk;
        // A new file: the JVM would keep an existing one aside as gc.log.0.
        gcLog = Files.createTempDirectory("tally-gc-").resolve("gc.log");
        run(tool("jcmd"), Long.toString(pid), "VM.log", "output=file=" + gcLog, "what=gc=info");
        rss = new Thread(this::sampleRss, "rss-sampler");
        rss.setDaemon(true);
        rss.start();
    }

    long peakRssKb() {
        return peakRssKb.get();
    }

    /** The used heap right after a full collection: what the service holds on to. */
    long liveHeapKb() throws IOException, InterruptedException {
        run(tool("jcmd"), Long.toString(pid), "GC.run");
        List<String> out = run(tool("jstat"), "-gc", Long.toString(pid));
        List<String> names = Arrays.asList(out.get(0).strip().split("\\s+"));
        String[] values = out.get(1).strip().split("\\s+");
        double used = 0;
        for (String column : List.of("S0U", "S1U", "EU", "OU")) {
            used += Double.parseDouble(values[names.indexOf(column)]);
        }
        return Math.round(used);
    }

    /** The service's current RSS, and {@code VmHWM}, its peak since it started. */
    long[] rssAndPeakKb() throws IOException {
        return new long[] {status("VmRSS:"), status("VmHWM:")};
    }

    /**
     * What the GC log says of the run so far: the peak used heap (before a collection), the
     * collections and their pauses, those this class caused ({@code Diagnostic Command}) apart.
     */
    String collections() throws IOException {
        long peakMb = 0;
        long heapMb = 0;
        int young = 0;
        int full = 0;
        int ours = 0;
        double youngMs = 0;
        double maxYoungMs = 0;
        double fullMs = 0;
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = PAUSE.matcher(line);
            if (!m.find()) {
                continue;
            }
            peakMb = Math.max(peakMb, Long.parseLong(m.group(3)));
            heapMb = Long.parseLong(m.group(5));
            double ms = Double.parseDouble(m.group(6));
            if (m.group(2).equals("Diagnostic Command")) {
                ours++;
            } else if (m.group(1).equals("Young")) {
                young++;
                youngMs += ms;
                maxYoungMs = Math.max(maxYoungMs, ms);
            } else {
                full++;
                fullMs += ms;
            }
        }
        return ("peak used heap   %d MB (before a collection; heap size %d MB); %d young collections, %.0f ms in all,"
                        + " longest %.1f ms; %d full, %.0f ms; and %d full collections of the live heap measurements")
                .formatted(peakMb, heapMb, young, youngMs, maxYoungMs, full, fullMs, ours);
    }

    private String tool(String name) {
        return jdk.resolve("bin").resolve(name).toString();
    }

    private void sampleRss() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                peakRssKb.accumulateAndGet(status("VmRSS:"), Math::max);
                Thread.sleep(SAMPLE_MS);
            }
        } catch (IOException | InterruptedException e) {
            // the service ended, or sampling was stopped
        }
    }

    private long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).strip().split("\\s+")[0]);
            }
        }
        throw new IOException(field + " not in /proc/" + pid + "/status");
    }

    private static List<String> run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.matches("\\d+:")) { // jcmd's header: the target's pid
                    out.add(line);
                }
            }
        }
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** Stops the RSS sampling and the GC log (the service's other log outputs stay as they were). */
    @Override
    public void close() throws IOException, InterruptedException {
        rss.interrupt();
        run(tool("jcmd"), Long.toString(pid), "VM.log", "output=file=" + gcLog, "what=all=off");
        Files.deleteIfExists(gcLog);
        Files.deleteIfExists(gcLog.getParent());
    }
}
