package io.kessai.webhook;

import io.kessai.support.TestDatabases;

class GmoWebhookFanInOnPostgresTest extends GmoWebhookFanIn {
    @Override
    TestDatabases.Db database() {
        return TestDatabases.postgres();
    }
}
