package io.kessai.schedule;

import io.kessai.support.TestDatabases;

class JanitorOnPostgresTest extends JanitorFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.postgres();
    }
}
