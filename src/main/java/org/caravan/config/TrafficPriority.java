package org.caravan.config;

/**
 * The priority: block of mta.yaml. Mail whose JMS priority is below {@code bulkBelow} is bulk;
 * while bulk waits on a delivery queue, at least {@code bulkSharePercent} of that line's sends go
 * to it, however much higher-priority mail is queued. A share of 0 lets priority rule alone.
 *
 * @param bulkBelow        1-9: priorities 0 .. bulkBelow-1 are bulk
 * @param bulkSharePercent 0-50: the least share of a line's sends that bulk gets while it waits
 */
public record TrafficPriority(int bulkBelow, int bulkSharePercent) {

    /** Bulk is priority 0-4 (JMS' default 4 included), and gets at least one send in ten. */
    public static final TrafficPriority DEFAULT = new TrafficPriority(5, 10);

    public TrafficPriority {
        if (bulkBelow < 1 || bulkBelow > 9) {
            throw new IllegalArgumentException("bulk-below must be 1-9, got " + bulkBelow);
        }
        if (bulkSharePercent < 0 || bulkSharePercent > 50) {
            throw new IllegalArgumentException("bulk-share must be 0%-50%, got " + bulkSharePercent);
        }
    }

    /** Every how many turns of a consumer bulk goes first: 100/share rounded down (share 10% -> every 10th); 0 for never. */
    public int bulkEvery() {
        return bulkSharePercent == 0 ? 0 : 100 / bulkSharePercent;
    }

    /** The JMS selector for bulk on a delivery queue. */
    public String bulkSelector() {
        return "JMSPriority < " + bulkBelow;
    }
}
