package org.caravan.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads the top-level warm-up: block into a WarmUpPlan. */
final class WarmUpReader {

    private static final Set<String> TOP = YamlMap.keys("schedules", "virtual-mtas");
    private static final Set<String> SCHEDULE = YamlMap.keys("max-msg-per-day", "max-msg-per-hour", "advance-at");
    private static final Set<String> LINE = YamlMap.keys("schedule", "domain-policies", "overflow");

    private WarmUpReader() {
    }

    static WarmUpPlan read(YamlMap block, Set<String> vmtas) {
        if (block == null) {
            return WarmUpPlan.NONE;
        }
        YamlMap top = block;
        Map<String, WarmUpPlan.Schedule> schedules = new LinkedHashMap<>();
        YamlMap s = top.map("schedules", null);
        if (s != null) {
            for (Map.Entry<String, YamlMap> e : s.blocks(Values::name, SCHEDULE).entrySet()) {
                schedules.put(e.getKey(), schedule(e.getValue()));
            }
        }
        Map<String, WarmUpPlan.Line> lines = new LinkedHashMap<>();
        YamlMap v = top.map("virtual-mtas", null);
        if (v != null) {
            for (Map.Entry<String, YamlMap> e : v.blocks(Values::name, LINE).entrySet()) {
                String vmta = e.getKey();
                YamlMap m = e.getValue();
                if (!vmtas.contains(vmta)) {
                    throw v.errorAtKey(vmta, "no virtual MTA of that name");
                }
                String schedule = m.scalar("schedule", Values::name);
                if (schedule == null) {
                    throw m.error("schedule: missing");
                }
                if (!schedules.containsKey(schedule)) {
                    throw m.errorAtKey("schedule", "no warm-up schedule '" + schedule + "'");
                }
                List<String> policies = m.list("domain-policies", Values::name);
                String overflow = m.scalar("overflow", Values::name);
                if (overflow != null && (!vmtas.contains(overflow) || overflow.equals(vmta))) {
                    throw m.errorAtKey("overflow", overflow.equals(vmta) ? "a vmta cannot overflow to itself"
                            : "no virtual MTA '" + overflow + "'");
                }
                lines.put(vmta, new WarmUpPlan.Line(vmta, schedule,
                        policies == null || policies.contains("all") ? List.of() : policies, overflow));
            }
        }
        return new WarmUpPlan(schedules, lines);
    }

    private static WarmUpPlan.Schedule schedule(YamlMap m) {
        List<Integer> perDay = m.list("max-msg-per-day", Values::positiveInt);
        if (perDay == null) {
            throw m.error("max-msg-per-day: missing");
        }
        List<Integer> perHour = m.list("max-msg-per-hour", Values::positiveInt);
        if (perHour != null && perHour.size() != perDay.size() && perHour.size() != 1) {
            throw m.errorAtKey("max-msg-per-hour", "give one value or one per day (" + perDay.size() + ")");
        }
        if (perHour != null && perHour.size() == 1 && perDay.size() > 1) {
            perHour = java.util.Collections.nCopies(perDay.size(), perHour.get(0));
        }
        Double near = m.scalar("advance-at", WarmUpReader::percent);
        return new WarmUpPlan.Schedule(perDay, perHour == null ? List.of() : perHour, near == null ? 0.9 : near);
    }

    private static double percent(String s) {
        String t = s.strip();
        if (!t.matches("\\d{1,3}%")) {
            throw new IllegalArgumentException("expected a percentage such as 90%, got '" + s + "'");
        }
        int p = Integer.parseInt(t.substring(0, t.length() - 1));
        if (p < 1 || p > 100) {
            throw new IllegalArgumentException("expected 1% to 100%, got '" + s + "'");
        }
        return p / 100.0;
    }
}
