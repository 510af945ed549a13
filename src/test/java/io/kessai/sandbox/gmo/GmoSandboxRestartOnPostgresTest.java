package io.kessai.sandbox.gmo;

import io.kessai.support.TestDatabases;
import java.nio.file.Path;

class GmoSandboxRestartOnPostgresTest extends GmoSandboxRestart {
    @Override
    TestDatabases.Db database(Path dir) {
        return TestDatabases.postgres();
    }
}
