package io.kessai.provider.payjp;

import io.kessai.support.TestDatabases;

class PayjpTransferPollingOnPostgresTest extends PayjpTransferPollingFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.postgres();
    }
}
