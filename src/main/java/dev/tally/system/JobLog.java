package dev.tally.system;

import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Log lines about one job. Each carries the job's id as the MDC key {@value #KEY}, which the
 * structured (JSON) log formats write as a field of its own; the id stays in the text for plain logs.
 */
public final class JobLog {

    public static final String KEY = "job";

    private JobLog() {}

    public static void info(Logger log, UUID job, String format, @Nullable Object... args) {
        try (MDC.MDCCloseable ignored = MDC.putCloseable(KEY, job.toString())) {
            log.info(format, args);
        }
    }

    public static void warn(Logger log, UUID job, String format, @Nullable Object... args) {
        try (MDC.MDCCloseable ignored = MDC.putCloseable(KEY, job.toString())) {
            log.warn(format, args);
        }
    }

    public static void error(Logger log, UUID job, String format, @Nullable Object... args) {
        try (MDC.MDCCloseable ignored = MDC.putCloseable(KEY, job.toString())) {
            log.error(format, args);
        }
    }
}
