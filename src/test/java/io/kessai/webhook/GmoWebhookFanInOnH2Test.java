package io.kessai.webhook;

import io.kessai.support.TestDatabases;

class GmoWebhookFanInOnH2Test extends GmoWebhookFanIn {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.h2();
    }
}
