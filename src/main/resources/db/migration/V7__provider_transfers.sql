-- Transfers (payouts) a provider module found by polling: the last status Kessai published for each, so that
-- transfer.<status> is published once per transfer and status, across restarts. Written in the same transaction
-- as the outbox event that announces the status.
CREATE TABLE provider_transfers (
    provider      VARCHAR(32)     NOT NULL,
    transfer_id   VARCHAR(64)     NOT NULL,
    parent_id     VARCHAR(64),
    status        VARCHAR(32)     NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE,
    body          VARCHAR(300000) NOT NULL,
    first_seen_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT provider_transfers_pk PRIMARY KEY (provider, transfer_id)
);
CREATE INDEX provider_transfers_parent ON provider_transfers (provider, parent_id);

-- A polling module's cursors (where its next run starts), kept across restarts.
CREATE TABLE provider_cursors (
    provider   VARCHAR(32)  NOT NULL,
    name       VARCHAR(64)  NOT NULL,
    cursor_value VARCHAR(200) NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT provider_cursors_pk PRIMARY KEY (provider, name)
);

-- An attempt's operation is the path below the provider's root: PAY.JP's Platform paths carry two ids
-- (/platform/transfers/pf_tr_.../transfers) and pass 64 characters.
ALTER TABLE upstream_attempts ALTER COLUMN operation SET DATA TYPE VARCHAR(200);
