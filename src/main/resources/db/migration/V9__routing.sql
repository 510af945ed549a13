-- Routing and failover (issue 14). Why the payment went to its provider (the rule, the weight, the providers
-- skipped or failed over), and which provider each upstream operation was sent to: a failover settles the first
-- provider's charge 'failed' (nothing was sent, or the provider said it did nothing) and starts a new charge
-- operation at the next provider, with the payment's provider switched, in one transaction.
ALTER TABLE payments ADD COLUMN routing_reason VARCHAR(1000);
ALTER TABLE payment_operations ADD COLUMN provider VARCHAR(32);
