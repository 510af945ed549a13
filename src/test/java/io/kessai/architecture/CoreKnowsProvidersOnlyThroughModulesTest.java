package io.kessai.architecture;

import io.kessai.provider.ProviderModule;
import io.kessai.provider.ProviderModules;
import io.kessai.provider.Setting;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering of issue 8, guarded by reading the sources (src/main/java, ignoring comments): the core finds a
 * provider only through its module; provider code depends on the neutral API (the module interface, the canonical
 * model, the outcome, a read-only payment lookup), never on the store, the payment service or the runtime; the
 * core never imports a sandbox; and no provider id, brand, token type or secret name is written in the core.
 */
class CoreKnowsProvidersOnlyThroughModulesTest {
    private static final Path MAIN = Path.of("src/main/java/io/kessai");
    private static final List<String> CORE = List.of("model", "payment", "store", "events", "schedule", "webhook", "api", "runtime", "ops");
    /** The contract's providers still to come: they may not be named in the core either. */
    private static final List<String> CONTRACT_PROVIDERS = List.of("gmo-pg", "payjp", "japan-payment", "ito-japan", "paymentoptions");
    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    private static final Pattern QUALIFIED = Pattern.compile("\\bio\\.kessai\\.[a-z]\\w*(\\.[a-z]\\w*)*\\.[A-Z]\\w*");

    /** A source file with its comments blanked out (strings and text blocks kept). */
    record Source(Path path, String code) {
        String packagePath() {
            return MAIN.relativize(path.getParent()).toString().replace('\\', '/');
        }

        /** Every io.kessai type it refers to: imports and fully qualified names in code. */
        Set<String> references() {
            Set<String> refs = new LinkedHashSet<>();
            Matcher m = IMPORT.matcher(code);
            while (m.find()) {
                refs.add(m.group(2));
            }
            Matcher q = QUALIFIED.matcher(code);
            while (q.find()) {
                refs.add(q.group());
            }
            refs.removeIf(r -> !r.startsWith("io.kessai."));
            return refs;
        }
    }

    @Test
    void providerCodeDependsOnlyOnTheNeutralApiAndTheCanonicalModel() {
        List<String> violations = new ArrayList<>();
        for (Source source : sources("provider")) {
            String pkg = source.packagePath();
            if (!pkg.contains("/")) {
                continue; // io.kessai.provider itself: the neutral API
            }
            String own = pkg.substring("provider/".length()).split("/")[0];
            for (String ref : source.references()) {
                boolean neutral = ref.startsWith("io.kessai.model.")
                        || (ref.startsWith("io.kessai.provider.") && Character.isUpperCase(ref.charAt("io.kessai.provider.".length())))
                        || ref.startsWith("io.kessai.provider." + own + ".")
                        || ref.startsWith("io.kessai.sandbox.");
                if (!neutral) {
                    violations.add(source.path() + " uses " + ref);
                }
            }
        }
        assertThat(violations).as("provider code may use io.kessai.model, io.kessai.provider's API, its own package and its sandbox")
                .isEmpty();
    }

    @Test
    void coreImportsNoProviderPackageAndNoSandbox() {
        List<String> violations = new ArrayList<>();
        for (String pkg : CORE) {
            for (Source source : sources(pkg)) {
                for (String ref : source.references()) {
                    boolean provider = ref.matches("io\\.kessai\\.provider\\.[a-z]\\w*\\..*");
                    if (provider || ref.startsWith("io.kessai.sandbox.")) {
                        violations.add(source.path() + " uses " + ref);
                    }
                }
            }
        }
        assertThat(violations).as("the core finds providers through their modules and starts sandboxes through them").isEmpty();
    }

    @Test
    void eventsDoNotDependOnThePaymentService() {
        List<String> violations = new ArrayList<>();
        for (Source source : sources("events")) {
            source.references().stream().filter(r -> r.startsWith("io.kessai.payment.PaymentService"))
                    .forEach(r -> violations.add(source.path() + " uses " + r));
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void coreNamesNoProviderBrandTokenTypeOrSecret() {
        Set<String> words = forbiddenWords();
        List<String> violations = new ArrayList<>();
        List<Source> core = new ArrayList<>();
        CORE.forEach(pkg -> core.addAll(sources(pkg)));
        // the neutral API is core too: the top of io.kessai.provider (not its provider sub-packages)
        sources("provider").stream().filter(s -> !s.packagePath().contains("/")).forEach(core::add);
        for (Source source : core) {
            for (String word : words) {
                if (Pattern.compile("(?<![A-Za-z0-9_-])" + Pattern.quote(word) + "(?![A-Za-z0-9_-])").matcher(source.code()).find()) {
                    violations.add(source.path() + " names " + word);
                }
            }
        }
        for (Path file : coreConfiguration()) {
            String text = withoutLineComments(read(file), "#");
            for (String word : words) {
                if (Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(word) + "(?![A-Za-z0-9_])").matcher(text).find()) {
                    violations.add(file + " names " + word);
                }
            }
        }
        assertThat(violations).as("outside comments, the core and its routes and defaults name no provider, brand, token type or secret")
                .isEmpty();
    }

    /** The ids, brands, token types and secret key names of every module on the classpath, and the contract's ids. */
    private static Set<String> forbiddenWords() {
        Set<String> words = new LinkedHashSet<>(CONTRACT_PROVIDERS);
        for (ProviderModule module : ProviderModules.discover()) {
            words.add(module.id());
            module.capabilities().methods().values().forEach(m -> {
                words.addAll(m.brands());
                words.addAll(m.tokenTypes());
            });
            module.settings().stream().filter(Setting::secret).map(Setting::name).forEach(words::add);
        }
        assertThat(words).as("the guard knows the installed providers' words").contains("gmo-pg", "japan-payment",
                "MP_TOKEN", "LAWSON", "AU_PAY", "shop-pass", "private-key");
        return words;
    }

    /** The core's routes (not routes/providers) and its defaults. */
    private static List<Path> coreConfiguration() {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            routes.filter(p -> p.toString().endsWith(".camel.yaml")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.add(Path.of("config/kessai.properties"));
        return files;
    }

    private static List<Source> sources(String pkg) {
        Path dir = MAIN.resolve(pkg);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted()
                    .map(p -> new Source(p, withoutComments(read(p)))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String withoutLineComments(String text, String marker) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            int at = line.indexOf(marker);
            out.append(at < 0 ? line : line.substring(0, at)).append('\n');
        }
        return out.toString();
    }

    /** Java source with // and block comments replaced by spaces; string, char and text-block literals kept. */
    static String withoutComments(String java) {
        StringBuilder out = new StringBuilder(java.length());
        int i = 0;
        int n = java.length();
        while (i < n) {
            char c = java.charAt(i);
            if (java.startsWith("\"\"\"", i)) {
                int end = java.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
                out.append(java, i, end);
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && java.charAt(j) != c && java.charAt(j) != '\n') {
                    j += java.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(n, j + 1);
                out.append(java, i, j);
                i = j;
            } else if (java.startsWith("//", i)) {
                int end = java.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(" ".repeat(end - i));
                i = end;
            } else if (java.startsWith("/*", i)) {
                int end = java.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (int k = i; k < end; k++) {
                    out.append(java.charAt(k) == '\n' ? '\n' : ' ');
                }
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    @Test
    void commentsAreIgnoredButStringsAreNot() {
        String code = withoutComments("""
                /** gmo-pg in javadoc */ String a = "gmo-pg"; // japan-payment
                String b = "http://x"; /* LAWSON */ char c = '"';
                """);
        assertThat(code).contains("\"gmo-pg\"", "\"http://x\"").doesNotContain("japan-payment", "LAWSON", "javadoc");
    }
}
