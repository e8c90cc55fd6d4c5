package org.caravan.config;

import java.util.List;
import java.util.Map;

/**
 * The warm-up: block: ramp schedules and the (vmta, policy) lines that follow one. A line not
 * named here is not warmed up.
 *
 * @param schedules name -> its daily caps
 * @param lines     vmta name -> which schedule it follows and for which policies
 */
public record WarmUpPlan(Map<String, Schedule> schedules, Map<String, Line> lines) {

    public static final WarmUpPlan NONE = new WarmUpPlan(Map.of(), Map.of());

    public WarmUpPlan {
        schedules = Map.copyOf(schedules);
        lines = Map.copyOf(lines);
    }

    /**
     * @param perDay    day N (1-based) allows perDay[N-1] messages; past the last day no cap
     * @param perHour   each day's per-hour ceiling, or empty for none
     * @param nearCap   share of the day's cap (0..1] that counts as "really sent near its cap"
     */
    public record Schedule(List<Integer> perDay, List<Integer> perHour, double nearCap) {
        public Schedule {
            perDay = List.copyOf(perDay);
            perHour = List.copyOf(perHour);
        }
    }

    /**
     * @param policies the policies warmed up on this vmta; empty means all of them
     * @param overflow a warm vmta that takes new mail once the day's cap is used up, or null (it waits)
     */
    public record Line(String vmta, String schedule, List<String> policies, String overflow) {
        public Line {
            policies = List.copyOf(policies);
        }

        public boolean covers(String policy) {
            return policies.isEmpty() || policies.contains(policy);
        }
    }

    /** The warm vmta taking the line's mail over its day's cap, or null when there is none. */
    public String overflowOf(String vmta, String policy) {
        Line line = lines.get(vmta);
        return line == null || !line.covers(policy) ? null : line.overflow();
    }

    /** The schedule a (vmta, policy) line follows, or null when it is not warmed up. */
    public Schedule scheduleOf(String vmta, String policy) {
        Line line = lines.get(vmta);
        return line == null || !line.covers(policy) ? null : schedules.get(line.schedule());
    }
}
