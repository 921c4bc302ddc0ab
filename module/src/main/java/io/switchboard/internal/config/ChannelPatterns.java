package io.switchboard.internal.config;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A list of channel patterns such as {@code chat.*} or {@code room:*:public}: {@code *} matches
 * any run of characters, everything else matches itself.
 */
public final class ChannelPatterns {

    private final List<String> patterns;
    private final List<Pattern> compiled;

    private ChannelPatterns(List<String> patterns) {
        this.patterns = patterns;
        this.compiled = patterns.stream()
                .map(p -> Pattern.compile(Arrays.stream(p.split("\\*", -1))
                        .map(Pattern::quote)
                        .reduce((a, b) -> a + ".*" + b)
                        .orElse("")))
                .toList();
    }

    public static ChannelPatterns parse(String commaSeparated) {
        return new ChannelPatterns(Arrays.stream(commaSeparated.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList());
    }

    public boolean matches(String channel) {
        for (Pattern pattern : compiled) {
            if (pattern.matcher(channel).matches()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return patterns.isEmpty() ? "none" : String.join(",", patterns);
    }
}
