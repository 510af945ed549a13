package io.kessai.model;

import static io.kessai.model.PaymentStatus.AUTHORIZED;
import static io.kessai.model.PaymentStatus.CANCELED;
import static io.kessai.model.PaymentStatus.CAPTURED;
import static io.kessai.model.PaymentStatus.EXPIRED;
import static io.kessai.model.PaymentStatus.FAILED;
import static io.kessai.model.PaymentStatus.PENDING;
import static io.kessai.model.PaymentStatus.REFUNDED;
import static io.kessai.model.PaymentStatus.REQUIRES_ACTION;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract section 4, the "may move to" column, as a table: every status against every target. A change that lets
 * a captured payment move back to authorized, a refunded one back to captured, or anything leave a final status
 * fails here. A status "moving" to itself is not a move (the state machine treats a repeat separately).
 */
class PaymentStatusTransitionsTest {

    /** The contract's table, written out independently of {@link PaymentStatus}. */
    private static final Map<PaymentStatus, Set<PaymentStatus>> CONTRACT = new EnumMap<>(PaymentStatus.class);

    static {
        CONTRACT.put(REQUIRES_ACTION, EnumSet.of(PENDING, AUTHORIZED, CAPTURED, FAILED, CANCELED, EXPIRED, REFUNDED));
        CONTRACT.put(PENDING, EnumSet.of(REQUIRES_ACTION, AUTHORIZED, CAPTURED, FAILED, CANCELED, EXPIRED, REFUNDED));
        CONTRACT.put(AUTHORIZED, EnumSet.of(CAPTURED, CANCELED, EXPIRED, FAILED));
        CONTRACT.put(CAPTURED, EnumSet.of(REFUNDED));
        CONTRACT.put(FAILED, EnumSet.noneOf(PaymentStatus.class));
        CONTRACT.put(CANCELED, EnumSet.noneOf(PaymentStatus.class));
        CONTRACT.put(EXPIRED, EnumSet.noneOf(PaymentStatus.class));
        CONTRACT.put(REFUNDED, EnumSet.noneOf(PaymentStatus.class));
    }

    static Stream<Arguments> everyStatusAgainstEveryTarget() {
        List<Arguments> pairs = new ArrayList<>();
        for (PaymentStatus from : PaymentStatus.values()) {
            for (PaymentStatus to : PaymentStatus.values()) {
                pairs.add(Arguments.of(from, to, CONTRACT.get(from).contains(to)));
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}: allowed {2}")
    @MethodSource("everyStatusAgainstEveryTarget")
    void moveIsAllowedExactlyWhenTheContractTableSaysSo(PaymentStatus from, PaymentStatus to, boolean allowed) {
        assertThat(from.canMoveTo(to)).as("%s may move to %s", from.wire(), to.wire()).isEqualTo(allowed);
    }

    @Test
    void theTableCoversEveryStatusOfTheContract() {
        assertThat(CONTRACT.keySet()).containsExactlyInAnyOrder(PaymentStatus.values());
        assertThat(Stream.of(PaymentStatus.values()).map(PaymentStatus::wire)).containsExactly(
                "requires_action", "pending", "authorized", "captured", "failed", "canceled", "expired", "refunded");
    }

    @Test
    void noFinalStatusHasAWayOut() {
        for (PaymentStatus from : EnumSet.of(FAILED, CANCELED, EXPIRED, REFUNDED)) {
            assertThat(from.isFinal()).as("%s is final", from).isTrue();
            for (PaymentStatus to : PaymentStatus.values()) {
                assertThat(from.canMoveTo(to)).as("%s -> %s", from, to).isFalse();
            }
        }
        assertThat(EnumSet.complementOf(EnumSet.of(FAILED, CANCELED, EXPIRED, REFUNDED)))
                .allSatisfy(s -> assertThat(s.isFinal()).as("%s is not final", s).isFalse());
    }

    @Test
    void moneyNeverMovesBackwards() {
        // the moves issue 7 names, and every other step back from where money was reserved or taken
        assertThat(CAPTURED.canMoveTo(AUTHORIZED)).isFalse();
        assertThat(REFUNDED.canMoveTo(CAPTURED)).isFalse();
        for (PaymentStatus earlier : EnumSet.of(REQUIRES_ACTION, PENDING)) {
            assertThat(AUTHORIZED.canMoveTo(earlier)).as("authorized -> %s", earlier).isFalse();
            assertThat(CAPTURED.canMoveTo(earlier)).as("captured -> %s", earlier).isFalse();
        }
        assertThat(CAPTURED.canMoveTo(CANCELED)).as("a captured payment is refunded, not canceled").isFalse();
        assertThat(CAPTURED.canMoveTo(FAILED)).isFalse();
        assertThat(CAPTURED.canMoveTo(EXPIRED)).isFalse();
    }

    @Test
    void openStatusesAreExactlyTheOnesThatMayMoveAnywhere() {
        for (PaymentStatus s : PaymentStatus.values()) {
            boolean movesAnywhere = CONTRACT.get(s).equals(EnumSet.complementOf(EnumSet.of(s)));
            assertThat(s.isOpen()).as("%s is open", s).isEqualTo(movesAnywhere);
        }
    }
}
