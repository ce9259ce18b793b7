package dev.tally.testing;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of {@code /actuator/prometheus}: each sample's value by its name and labels. */
public record PrometheusScrape(Map<String, Map<Map<String, String>, Double>> samples) {

    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    public static PrometheusScrape of(UploadClient client) {
        return parse(client.get("/actuator/prometheus"));
    }

    public static PrometheusScrape parse(String text) {
        Map<String, Map<Map<String, String>, Double>> samples = new HashMap<>();
        text.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).forEach(line -> {
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
            Map<String, String> labels = new HashMap<>();
            if (brace >= 0) {
                Matcher label = LABEL.matcher(line.substring(brace, line.lastIndexOf('}')));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            samples.computeIfAbsent(name, n -> new HashMap<>())
                    .put(Map.copyOf(labels), Double.parseDouble(line.substring(space + 1)));
        });
        return new PrometheusScrape(samples);
    }

    /** The sample's value; 0 when it is absent (a counter not incremented yet). */
    public double value(String name, String... labels) {
        Map<String, String> wanted = new HashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        return samples.getOrDefault(name, Map.of()).getOrDefault(wanted, 0.0);
    }

    public boolean has(String name) {
        return samples.containsKey(name);
    }

    /** How much the sample grew since {@code before}. */
    public double increase(PrometheusScrape before, String name, String... labels) {
        return value(name, labels) - before.value(name, labels);
    }
}
