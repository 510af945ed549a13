-- The built-in Japan Payment sandbox's RSA key pairs (io.kessai.sandbox.japanpayment.JdbcJapanPaymentKeys): the
-- sandbox's own (a provider's key does not change when it restarts) and, when no
-- kessai.providers.japan-payment.private-key is configured, the merchant key Kessai signs with against the sandbox.
-- Made once on the first start with the sandbox, so that later starts skip two RSA 2048 prime searches. Only the
-- sandbox's start reads and writes this table; the keys are good for nothing but the sandbox.
CREATE TABLE sandbox_japan_payment_keys (
    name        VARCHAR(32)   NOT NULL PRIMARY KEY,
    private_key VARCHAR(4000) NOT NULL
);
