package io.switchboard.internal.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where a setting comes from: the web application's context parameters first, then JVM system
 * properties, then environment variables ({@code switchboard.api-token} is looked up as the
 * variable {@code SWITCHBOARD_API_TOKEN}).
 */
public final class ConfigSource {

    private final UnaryOperator<String> contextParameters;
    private final UnaryOperator<String> systemProperties;
    private final Map<String, String> environment;

    public ConfigSource(UnaryOperator<String> contextParameters,
                        UnaryOperator<String> systemProperties,
                        Map<String, String> environment) {
        this.contextParameters = contextParameters;
        this.systemProperties = systemProperties;
        this.environment = environment;
    }

    /** Context parameters of a web application over the real system properties and environment. */
    public static ConfigSource of(UnaryOperator<String> contextParameters) {
        return new ConfigSource(contextParameters, System::getProperty, System.getenv());
    }

    /** The value of {@code key} (a property name such as {@code switchboard.redis}), if set and not blank. */
    public Optional<String> get(String key) {
        return nonBlank(contextParameters.apply(key))
                .or(() -> nonBlank(systemProperties.apply(key)))
                .or(() -> nonBlank(environment.get(environmentName(key))));
    }

    /** {@code switchboard.api-token} → {@code SWITCHBOARD_API_TOKEN}. */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }
}
