package io.kessai.payment;

import io.kessai.support.TestDatabases;

class GmoCardPaymentsOnPostgresTest extends GmoCardPaymentFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.postgres();
    }
}
