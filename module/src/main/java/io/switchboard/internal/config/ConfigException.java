package io.switchboard.internal.config;

/** A setting with a value that cannot work; the message names the key and the value. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
