package io.kessai.sandbox.itojapan;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the ITO-Japan sandbox remembers, behind one narrow interface so that a later change can keep it in a
 * table instead of memory ({@link InMemoryItoJapanPayments} is the only implementation today): the payments it
 * initiated, each with where its webhook and the customer's browser go, and what the customer did on the checkout
 * page. Payments go in and come out as immutable records.
 */
public interface ItoJapanPayments {

    /** Where a payment stands on the checkout page. */
    enum Status {
        /** Initiated; the customer has not paid or cancelled yet. */
        OPEN,
        /** Paid: a transaction exists (check-validity answers it is valid). */
        PAID,
        /** The customer cancelled on the checkout page. */
        CANCELLED
    }

    /**
     * One payment.
     *
     * @param paymentId     {@code payment_id}
     * @param custom        the merchant's {@code custom}
     * @param currency      {@code currency_code}
     * @param amount        the amount
     * @param details       {@code details}, or null
     * @param webHook       {@code web_hook}
     * @param successUrl    {@code success_url}
     * @param cancelUrl     {@code cancel_url}
     * @param customerEmail {@code customer_email}
     * @param status        where it stands
     * @param transaction   the transaction id once paid, else null
     * @param charge        the provider's fee once paid, else null
     */
    record Payment(String paymentId, String custom, String currency, BigDecimal amount, String details, String webHook,
                   String successUrl, String cancelUrl, String customerEmail, Status status, String transaction,
                   BigDecimal charge) {
        public Payment {
            Objects.requireNonNull(paymentId, "paymentId");
            Objects.requireNonNull(status, "status");
        }

        Payment paid(String transactionId, BigDecimal fee) {
            return new Payment(paymentId, custom, currency, amount, details, webHook, successUrl, cancelUrl,
                    customerEmail, Status.PAID, transactionId, fee);
        }

        Payment cancelled() {
            return new Payment(paymentId, custom, currency, amount, details, webHook, successUrl, cancelUrl,
                    customerEmail, Status.CANCELLED, null, null);
        }
    }

    /** Stores a new payment (its id is new). */
    void create(Payment payment);

    Optional<Payment> find(String paymentId);

    /**
     * Marks an {@link Status#OPEN} payment paid; a payment already paid stays as it was.
     *
     * @return the payment after the call (PAID, or CANCELLED when the customer had cancelled it), empty when unknown
     */
    Optional<Payment> pay(String paymentId, String transaction, BigDecimal charge);

    /** Marks an {@link Status#OPEN} payment cancelled; a paid one stays paid. Empty when unknown. */
    Optional<Payment> cancel(String paymentId);

    /** Every payment, oldest first. */
    List<Payment> all();
}
