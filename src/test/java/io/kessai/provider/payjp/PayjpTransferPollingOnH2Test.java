package io.kessai.provider.payjp;

import io.kessai.support.TestDatabases;

class PayjpTransferPollingOnH2Test extends PayjpTransferPollingFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.h2();
    }
}
