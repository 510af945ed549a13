-- Every upstream operation ends settled: done (the provider did it), failed (the provider surely did not),
-- or, while its outcome is not known, unknown until the janitor's inquiry settles it. An unknown operation
-- still open past the janitor's max age is marked unresolved with a note: the operator's record.
ALTER TABLE payment_operations ADD COLUMN settled_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE payment_operations ADD COLUMN note VARCHAR(500);
CREATE INDEX payment_operations_state ON payment_operations (state);
