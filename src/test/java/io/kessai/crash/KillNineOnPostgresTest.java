package io.kessai.crash;

import io.kessai.support.KessaiProcess;
import io.kessai.support.TestDatabases;

import java.nio.file.Path;
import java.util.Map;

/** The kill -9 stream on PostgreSQL, the production store. */
class KillNineOnPostgresTest extends KillNineFlows {
    private TestDatabases.Db db;

    @Override
    Map<String, String> store(Path workDir) {
        db = TestDatabases.postgres();
        return KessaiProcess.dbSettings(db);
    }

    @Override
    TestDatabases.Db storeToRead(Path workDir) {
        return db;
    }
}
