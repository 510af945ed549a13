package io.kessai.payment;

import io.kessai.support.TestDatabases;

class PayjpCardPaymentsOnPostgresTest extends PayjpCardPaymentFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.postgres();
    }
}
