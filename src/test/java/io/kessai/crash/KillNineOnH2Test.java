package io.kessai.crash;

import io.kessai.support.TestDatabases;

import java.nio.file.Path;
import java.util.Map;

/** The kill -9 stream on the embedded default store: H2 in {@code ./data} of Kessai's working directory. */
class KillNineOnH2Test extends KillNineFlows {
    @Override
    Map<String, String> store(Path workDir) {
        return Map.of();
    }

    @Override
    TestDatabases.Db storeToRead(Path workDir) {
        return new TestDatabases.Db("jdbc:h2:file:" + workDir.resolve("data/kessai").toAbsolutePath(), "sa", "");
    }
}
