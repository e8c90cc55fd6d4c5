package org.caravan.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.filter.Filter;
import org.apache.activemq.artemis.core.filter.impl.FilterImpl;
import org.apache.activemq.artemis.core.message.impl.CoreMessage;
import org.junit.jupiter.api.Test;

/** A purge's selector, as the broker applies it: each criterion as given, quotes kept inside the literal. */
class QueueActionsTest {

    private static final long NOW = 1_800_000_000_000L;

    @Test
    void selectsByJobDomainAndAgeTogether() throws Exception {
        String selector = QueueActions.selector("spring", "Example.COM", "1h", NOW);
        assertThat(selector).isEqualTo("jobId = 'spring' AND domain = 'example.com' AND queuedAt < " + (NOW - 3_600_000));
        Filter filter = FilterImpl.createFilter(selector);
        assertThat(filter.match(message("spring", "example.com", NOW - 3_600_001))).isTrue();
        assertThat(filter.match(message("spring", "example.com", NOW - 60_000))).as("too young").isFalse();
        assertThat(filter.match(message("autumn", "example.com", NOW - 3_600_001))).as("other job").isFalse();
        assertThat(filter.match(message("spring", "example.org", NOW - 3_600_001))).as("other domain").isFalse();
    }

    @Test
    void aQuoteInAJobIdCannotWidenTheSelector() throws Exception {
        String selector = QueueActions.selector("x' OR '1'='1", null, null, NOW);
        assertThat(selector).isEqualTo("jobId = 'x'' OR ''1''=''1'");
        Filter filter = FilterImpl.createFilter(selector);
        assertThat(filter.match(message("spring", "example.com", NOW))).isFalse();
        assertThat(filter.match(message("x' OR '1'='1", "example.com", NOW))).isTrue();
    }

    @Test
    void refusesAPurgeWithoutCriteriaOrWithABadAge() {
        assertThatThrownBy(() -> QueueActions.selector(null, "", null, NOW)).isInstanceOf(QueueActions.Refused.class)
                .hasMessageContaining("job, domain or olderThan");
        assertThatThrownBy(() -> QueueActions.selector(null, null, "soon", NOW)).isInstanceOf(QueueActions.Refused.class)
                .hasMessageContaining("olderThan");
    }

    private static CoreMessage message(String job, String domain, long queuedAt) {
        CoreMessage m = new CoreMessage(1, 100);
        m.putStringProperty(SimpleString.of("jobId"), SimpleString.of(job));
        m.putStringProperty(SimpleString.of("domain"), SimpleString.of(domain));
        m.putLongProperty(SimpleString.of("queuedAt"), queuedAt);
        return m;
    }
}
