-- Every upstream operation ends settled: done (the provider did it), failed (the provider surely did not),
-- or, while its outcome is not known, unknown until the janitor's inquiry settles it. An unknown operation
-- still open past the janitor's max age is marked unresolved with a note: the operator's record.
ALTER TABLE payment_operations ADD COLUMN settled_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE payment_operations ADD COLUMN note VARCHAR(500);
CREATE INDEX payment_operations_state ON payment_operations (state);

-- A capture, cancel or refund may carry the caller's Idempotency-Key: a repeat with the same key and the
-- same request answers the payment as it is; the same key with another request is a conflict.
ALTER TABLE payment_operations ADD COLUMN client_key VARCHAR(64);
ALTER TABLE payment_operations ADD COLUMN request_hash VARCHAR(200);
CREATE INDEX payment_operations_client_key ON payment_operations (payment_id, client_key);
