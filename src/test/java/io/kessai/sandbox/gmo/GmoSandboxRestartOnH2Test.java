package io.kessai.sandbox.gmo;

import io.kessai.support.TestDatabases;
import java.nio.file.Path;

class GmoSandboxRestartOnH2Test extends GmoSandboxRestart {
    @Override
    TestDatabases.Db database(Path dir) {
        return new TestDatabases.Db("jdbc:h2:file:" + dir.resolve("kessai").toAbsolutePath(), "sa", "");
    }
}
