package io.kessai.provider;

/**
 * One configuration key a provider module reads, with its default. Kessai puts the defaults under every other
 * source (kessai.properties, application.properties, system properties, environment variables), checks at start-up
 * that every required key of an installed provider has a value, and masks the secrets in camel-main's summary.
 *
 * @param key          the whole key ({@code kessai.providers.<id>.shop-pass}, {@code kessai.sandbox.<id>.port})
 * @param defaultValue the default, or null when there is none
 * @param required     whether the provider cannot run without a value
 * @param secret       whether the value is a credential: it never reaches a log, an event or an error
 * @param meaning      one line for the README's configuration table
 */
public record Setting(String key, String defaultValue, boolean required, boolean secret, String meaning) {

    public Setting {
        if (key == null || !key.startsWith("kessai.")) {
            throw new IllegalArgumentException("a provider setting is a kessai.* key: " + key);
        }
        if (defaultValue != null && defaultValue.isBlank()) {
            defaultValue = null;
        }
    }

    /** An optional key with a default (null or blank: none). */
    public static Setting of(String key, String defaultValue, String meaning) {
        return new Setting(key, defaultValue, false, false, meaning);
    }

    /** A key that must have a value when the provider is installed (the default, if any, counts). */
    public static Setting required(String key, String defaultValue, String meaning) {
        return new Setting(key, defaultValue, true, false, meaning);
    }

    /** The same key, holding a credential. */
    public Setting asSecret() {
        return new Setting(key, defaultValue, required, true, meaning);
    }

    /** The last segment of the key, the word camel-main masks ({@code shop-pass}). */
    public String name() {
        return key.substring(key.lastIndexOf('.') + 1);
    }
}
