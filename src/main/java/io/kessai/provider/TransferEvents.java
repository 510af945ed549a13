package io.kessai.provider;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/**
 * How a provider module that polls its provider's transfers (payouts) publishes them: each transfer it reads is
 * handed to {@link #record}, which stores it and, when it is new or its status changed since the last time, writes
 * the canonical {@code transfer.<status>} event (contract section 6, {@code source: poll}) to the outbox in the same
 * transaction. A status is therefore published once per transfer, whatever the restarts and the overlaps of the
 * polling windows. {@link #cursor} and {@link #saveCursor} keep where the module's next run starts.
 * Obtained from {@link ProviderContext#transfers()}; every call is for that module's provider id.
 */
public interface TransferEvents {

    /**
     * A transfer as the provider reports it.
     *
     * @param id       the provider's id of the transfer
     * @param parentId the transfer it belongs to (a platform payout's merchant transfer), or null
     * @param status   the provider's status word ({@code transfer.<status>})
     * @param created  when the provider made it, or null
     * @param amount   the amount the event carries (whole units of the currency), or null
     * @param currency ISO 4217 ({@code JPY})
     * @param data     the transfer object, the event's {@code data}; never a secret or card data
     */
    record Transfer(String id, String parentId, String status, Instant created, BigDecimal amount, String currency,
                    JsonNode data) {
        public Transfer {
            if (id == null || id.isBlank() || status == null || status.isBlank() || data == null) {
                throw new IllegalArgumentException("a transfer has an id, a status and its data");
            }
        }
    }

    /** Stores the transfer; true when it was new or its status changed (an event was written), false otherwise. */
    boolean record(Transfer transfer);

    /** The stored status of a transfer, if it was ever recorded. */
    Optional<String> status(String transferId);

    /** The transfer a recorded transfer belongs to (its parentId), if it was recorded with one. */
    Optional<String> parent(String transferId);

    /** The module's named cursor, if one was saved. */
    Optional<String> cursor(String name);

    void saveCursor(String name, String value);
}
