package io.kessai.schedule;

import io.kessai.support.TestDatabases;

class ScheduledCapturesOnPostgresTest extends ScheduledCaptureFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.postgres();
    }
}
