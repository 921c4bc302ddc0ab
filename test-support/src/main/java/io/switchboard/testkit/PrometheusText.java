package io.switchboard.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader of the Prometheus text exposition format (0.0.4): {@code # HELP} and
 * {@code # TYPE} lines, then samples {@code name{label="value",...} value [timestamp]}. A line that
 * is none of these fails the parse, so a test that reads its figures through it also proves the
 * text is well-formed.
 */
public final class PrometheusText {

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        /** Whether every given {@code key, value, key, value...} pair is among this sample's labels. */
        boolean matches(String... pairs) {
            for (int i = 0; i + 1 < pairs.length; i += 2) {
                if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = samples;
        this.types = types;
    }

    /** @throws IllegalArgumentException naming the first line that is not of the format */
    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            if (line.isBlank()) {
                continue;
            }
            try {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.substring(7).split(" ");
                    if (parts.length != 2 || !validName(parts[0])) {
                        throw new IllegalArgumentException("bad TYPE line");
                    }
                    types.put(parts[0], parts[1]);
                } else if (line.startsWith("#")) {
                    continue; // HELP and comments
                } else {
                    samples.add(sample(line));
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not Prometheus text at line " + (n + 1) + " (" + e.getMessage() + "): " + line, e);
            }
        }
        return new PrometheusText(Collections.unmodifiableList(samples), Collections.unmodifiableMap(types));
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The {@code # TYPE} of a metric family ({@code counter}, {@code gauge}, {@code histogram}, ...), or null. */
    public String type(String family) {
        return types.get(family);
    }

    /** The samples named {@code name} whose labels include the {@code key, value} pairs given. */
    public List<Sample> find(String name, String... labelPairs) {
        return samples.stream().filter(s -> s.name().equals(name) && s.matches(labelPairs)).toList();
    }

    /** Whether a sample named {@code name} with those labels exists. */
    public boolean has(String name, String... labelPairs) {
        return !find(name, labelPairs).isEmpty();
    }

    /** The sum of the matching samples' values; 0 when none matches (a counter not yet counted). */
    public double sum(String name, String... labelPairs) {
        return find(name, labelPairs).stream().mapToDouble(Sample::value).sum();
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!validName(name)) {
            throw new IllegalArgumentException("bad metric name '" + name + "'");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq);
                if (!key.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                    throw new IllegalArgumentException("bad label name '" + key + "'");
                }
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("expected a value and an optional timestamp");
        }
        return new Sample(name, Collections.unmodifiableMap(labels), value(rest[0]));
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    private static boolean validName(String name) {
        return name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*");
    }
}
