-- The built-in GMO-PG sandbox's own orders and the answers it keeps for Idempotency-Key replays
-- (io.kessai.sandbox.gmo.JdbcGmoOrders), so that a restarted Kessai's janitor asks a sandbox that still knows them.
-- Only the sandbox reads and writes these tables.
CREATE TABLE sandbox_gmo_orders (
    order_id   VARCHAR(64)     NOT NULL,
    access_id  VARCHAR(64)     NOT NULL,
    status     VARCHAR(20)     NOT NULL,
    amount     VARCHAR(24)     NOT NULL,
    state      VARCHAR(300000) NOT NULL,
    PRIMARY KEY (order_id),
    CONSTRAINT sandbox_gmo_orders_access_id UNIQUE (access_id)
);

CREATE TABLE sandbox_gmo_idempotency (
    shop_id         VARCHAR(64)     NOT NULL,
    idempotency_key VARCHAR(36)     NOT NULL,
    path            VARCHAR(64)     NOT NULL,
    created_ms      BIGINT          NOT NULL,
    status          INTEGER         NOT NULL,
    content_type    VARCHAR(100)    NOT NULL,
    title           VARCHAR(100),
    body            VARCHAR(300000) NOT NULL,
    PRIMARY KEY (shop_id, idempotency_key)
);
