package io.kessai.payment;

import io.kessai.support.TestDatabases;

class PayjpCardPaymentsOnH2Test extends PayjpCardPaymentFlows {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.h2();
    }
}
