-- The built-in Japan Payment sandbox's own orders (io.kessai.sandbox.japanpayment.JdbcJapanPaymentOrders), so that
-- a restarted Kessai's janitor asks a sandbox that still knows them. Only the sandbox reads and writes this table.
CREATE TABLE sandbox_japan_payment_orders (
    currency           VARCHAR(3)    NOT NULL,
    order_id           VARCHAR(64)   NOT NULL,
    order_no           VARCHAR(32)   NOT NULL,
    amount             VARCHAR(24)   NOT NULL,
    method             VARCHAR(40)   NOT NULL,
    notify_url         VARCHAR(2048),
    bank_no            VARCHAR(20),
    call_back_url      VARCHAR(2048),
    call_back_fail_url VARCHAR(2048),
    status             INTEGER       NOT NULL,
    actual_amount      VARCHAR(24)   NOT NULL,
    fee                VARCHAR(24)   NOT NULL,
    pay_time           VARCHAR(32),
    error_msg          VARCHAR(255),
    last_notification  VARCHAR(8000),
    PRIMARY KEY (currency, order_id),
    CONSTRAINT sandbox_japan_payment_orders_no UNIQUE (order_no)
);
