package io.kessai.payment;

import io.kessai.support.TestDatabases;

class GmoCardPaymentsOnH2Test extends GmoCardPaymentFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.h2();
    }
}
