package io.kessai.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two Kessai instances in one JVM (embedding, or tests), each on its own database: stopping one leaves the
 * other's schedules running on its own store.
 */
class TwoKessaisInOneJvmTest {
    @Test
    void stoppingOneKessaiLeavesTheOthersSchedulesRunning() {
        try (KessaiInstance first = KessaiInstance.start(TestDatabases.h2(), Map.of())) {
            KessaiInstance.start(TestDatabases.h2(), Map.of()).close();

            ObjectNode order = Orders.gmoCard("tok_visa");
            order.putObject("capture").put("mode", "scheduled").put("at", DateTimeFormatter.ISO_OFFSET_DATE_TIME
                    .format(OffsetDateTime.now(ZoneOffset.ofHours(9)).plusSeconds(1)));
            var created = first.post("/payments", Orders.json(order));
            assertThat(created.text("status")).as(created.body()).isEqualTo("authorized");
            String id = created.text("paymentId");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "captured".equals(first.get("/payments/" + id).text("status")));
        }
    }
}
