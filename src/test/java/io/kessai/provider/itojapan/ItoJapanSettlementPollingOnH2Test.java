package io.kessai.provider.itojapan;

import io.kessai.support.TestDatabases;

class ItoJapanSettlementPollingOnH2Test extends ItoJapanSettlementPollingFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.h2();
    }
}
