package io.kessai.schedule;

import io.kessai.support.TestDatabases;

class ScheduledCapturesOnH2Test extends ScheduledCaptureFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.h2();
    }
}
