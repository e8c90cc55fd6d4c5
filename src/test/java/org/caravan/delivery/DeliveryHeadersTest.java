package org.caravan.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The on-queue format: what one engine writes, the next reads back exactly, old queues included. */
class DeliveryHeadersTest {

    private static final byte[] BODY = "Subject: x\r\n\r\nHi.\r\n".getBytes();

    @Test
    void recipientsWithCommasAndQuotesRoundTrip() {
        List<String> rcpts = List.of("\"a,smuggled@evil.test,\"@example.com", "\"q\\\"uote\"@example.com", "b@example.com");
        Map<String, Object> headers = new HashMap<>();
        DeliveryHeaders.write(delivery(rcpts), headers);

        assertThat(headers.get(DeliveryHeaders.FORMAT)).isEqualTo(DeliveryHeaders.CURRENT_FORMAT);
        assertThat(DeliveryHeaders.read(BODY, headers).recipients()).containsExactlyElementsOf(rcpts);
    }

    @Test
    void thePriorityTravelsAsTheJmsPriorityAndARetryKeepsIt() {
        Delivery urgent = new Delivery(BODY, "<m@x>", "s@x", List.of("a@example.com", "b@example.com"), "example.com",
                "default", "default", null, null, 1L, 1, 9);
        Map<String, Object> headers = new HashMap<>();
        DeliveryHeaders.write(urgent.retryFor(List.of("b@example.com")), headers);

        assertThat(headers.get("JMSPriority")).isEqualTo(9);
        assertThat(DeliveryHeaders.read(BODY, headers).priority()).isEqualTo(9);
        headers.remove("JMSPriority"); // queued before priorities were carried
        assertThat(DeliveryHeaders.read(BODY, headers).priority()).isEqualTo(Delivery.NORMAL_PRIORITY);
    }

    @Test
    void aMessageQueuedBeforeTheFormatVersionIsReadCommaSeparatedOutsideQuotes() {
        Map<String, Object> headers = new HashMap<>();
        DeliveryHeaders.write(delivery(List.of("x@example.com")), headers);
        headers.remove(DeliveryHeaders.FORMAT);
        headers.put(DeliveryHeaders.RCPT_TO, "a@example.com,\"b,c@evil.test\"@example.com");

        assertThat(DeliveryHeaders.read(BODY, headers).recipients())
                .containsExactly("a@example.com", "\"b,c@evil.test\"@example.com");
    }

    @Test
    void anUnknownFutureFormatIsRefusedRatherThanMisread() {
        Map<String, Object> headers = new HashMap<>();
        DeliveryHeaders.write(delivery(List.of("x@example.com")), headers);
        headers.put(DeliveryHeaders.FORMAT, 3);

        assertThatThrownBy(() -> DeliveryHeaders.read(BODY, headers)).hasMessageContaining("unknown format 3");
    }

    private static Delivery delivery(List<String> rcpts) {
        return new Delivery(BODY, "<id@test>", "s@example.net", rcpts, "example.com", "default", "default",
                null, null, 1L, 1);
    }
}
