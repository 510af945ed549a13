package io.kessai.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.kessai.support.KessaiInstance;
import io.kessai.support.TestDatabases;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walk-through runs as pasted, twice: docs/walkthrough.sh (bash and curl) against a started Kessai with
 * the built-in sandboxes and its events written to files, and the README shows the script's own commands.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalkthroughScriptTest {
    private static final Path SCRIPT = Path.of("docs", "walkthrough.sh");
    private static final Path README = Path.of("README.md");

    private Path events;
    private KessaiInstance kessai;

    @BeforeAll
    void start(@TempDir Path events) {
        this.events = events;
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.events.uri", "file:" + events.toAbsolutePath() + "?fileName=${header.KessaiEventId}.json"));
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static void requireBashAndCurl() {
        for (String command : List.of("bash", "curl")) {
            if (!onPath(command)) {
                if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                    throw new AssertionError(command + " is not installed: under CI=true the walk-through must run"
                            + " (.ci/run installs curl)");
                }
                String why = "WalkthroughScriptTest skipped: " + command + " is not installed";
                System.out.println(why);
                Assumptions.abort(why);
            }
        }
    }

    private record Run(int exit, String output) {
    }

    private Run runScript() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), kessai.baseUrl()).redirectErrorStream(true);
        pb.environment().put("KESSAI_EVENTS_DIR", events.toAbsolutePath().toString());
        Process process = pb.start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();   // until the script ends and closes its output
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the walk-through did not end in 5 minutes");
        }
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static List<String> paymentIds(String output) {
        Matcher m = Pattern.compile("walk-through done: (pay_\\S+) (pay_\\S+) (pay_\\S+)").matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return List.of(m.group(1), m.group(2), m.group(3));
    }

    @Test
    void walkthroughScriptRunsTwiceAgainstAStartedKessaiWithFreshOrders() throws Exception {
        requireBashAndCurl();
        Run first = runScript();
        System.out.println(first.output());
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output()).contains("ok   konbini payment captured", "ok   3-D Secure payment captured",
                "ok   bad order refused, every field named", "ok   events of ");

        Run second = runScript();
        assertThat(second.exit()).as(second.output()).isZero();
        assertThat(paymentIds(second.output())).doesNotContainAnyElementsOf(paymentIds(first.output()));
        for (String id : paymentIds(second.output())) {
            assertThat(kessai.get("/payments/" + id).text("status")).isIn("captured", "refunded");
        }
    }

    @Test
    void walkthroughScriptFailsWhenAnAnswerIsNotWhatItShouldBe() throws Exception {
        requireBashAndCurl();
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), kessai.baseUrl() + "/nope")
                .redirectErrorStream(true);
        pb.environment().put("KESSAI_EVENTS_DIR", events.toAbsolutePath().toString());
        Process process = pb.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(out).isNotZero();
        assertThat(out).contains("FAIL card authorized");
    }

    @Test
    void everyCommandBlockOfTheReadmeWalkthroughIsTheScriptsOwn() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int from = readme.indexOf("## Walk-through");
        int to = readme.indexOf("\n## ", from + 1);
        assertThat(from).as("the README's walk-through section").isNotNegative();
        String section = readme.substring(from, to);
        String script = Files.readString(SCRIPT, StandardCharsets.UTF_8);
        Matcher blocks = Pattern.compile("```bash\n(.*?)```", Pattern.DOTALL).matcher(section);
        List<String> shown = new ArrayList<>();
        while (blocks.find()) {
            shown.add(blocks.group(1));
        }
        assertThat(shown).as("bash blocks of the walk-through").hasSizeGreaterThanOrEqualTo(7);
        for (String block : shown) {
            if (block.startsWith("java ") || block.startsWith("bash docs/walkthrough.sh")) {
                continue;   // how to start Kessai and run the script: not part of the script itself
            }
            assertThat(script).as("the script has the README's block%n%s", block).contains(block);
        }
    }
}
