package io.kessai.provider.itojapan;

import io.kessai.support.TestDatabases;

class ItoJapanSettlementPollingOnPostgresTest extends ItoJapanSettlementPollingFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.postgres();
    }
}
