package io.kessai.schedule;

import io.kessai.support.TestDatabases;

class JanitorOnH2Test extends JanitorFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.h2();
    }
}
