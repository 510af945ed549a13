-- Transfer ids longer than PAY.JP's: ITO-Japan's wallet deposits are known by their Ethereum tx_hash (0x and 64 hex
-- digits), kept as deposit-<tx_hash>. A transfer's events carry its id in outbox_events.payment_id (their order key).
ALTER TABLE provider_transfers ALTER COLUMN transfer_id SET DATA TYPE VARCHAR(128);
ALTER TABLE provider_transfers ALTER COLUMN parent_id SET DATA TYPE VARCHAR(128);
ALTER TABLE outbox_events ALTER COLUMN payment_id SET DATA TYPE VARCHAR(128);
