package org.caravan.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.caravan.outcome.BounceCategory;
import org.caravan.smtp.SmtpStage;

/** Reads a list of reply rules (a policy's reply-rules, a catalogue provider's entries). */
final class ReplyRuleReader {

    static final Set<String> RULE_KEYS = YamlMap.keys("match", "stage", "action", "trigger", "category", "duration");
    private static final Pattern THRESHOLD = Pattern.compile("([1-9]\\d{0,5}) in (\\S+)");

    private ReplyRuleReader() {
    }

    /** The rules under key, in file order; an empty list when absent. */
    static List<ReplyRule> read(YamlMap block, String key) {
        List<YamlMap> entries = block.mapList(key, RULE_KEYS);
        List<ReplyRule> out = new ArrayList<>();
        if (entries == null) {
            return out;
        }
        for (YamlMap e : entries) {
            out.add(rule(e));
        }
        return out;
    }

    private static ReplyRule rule(YamlMap e) {
        if (!e.has("match") || !e.has("action")) {
            throw e.error("a reply rule needs 'match' (a regex) and 'action'");
        }
        Pattern match = e.scalar("match", ReplyRuleReader::regex);
        ReplyAction action = e.scalar("action", ReplyRuleReader::action);
        SmtpStage stage = e.scalar("stage", ReplyRuleReader::stage);
        int[] count = {1};
        Duration window = e.scalar("trigger", t -> trigger(t, count));
        BounceCategory category = e.scalar("category", ReplyRuleReader::category);
        Duration duration = e.scalar("duration", Values::positiveDuration);
        boolean timed = action == ReplyAction.SUSPEND || action == ReplyAction.DISABLE_SOURCE_IP;
        if (timed && duration == null) {
            throw e.error("action " + action.yamlName() + " needs a 'duration'");
        }
        if (!timed && duration != null) {
            throw e.errorAtKey("duration", "only suspend and disable-source-ip take a duration");
        }
        return new ReplyRule(match, stage, action, count[0], window, category, duration);
    }

    private static Pattern regex(String s) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty match (it would match every reply)");
        }
        try {
            return Pattern.compile(s);
        } catch (PatternSyntaxException ex) {
            throw new IllegalArgumentException("not a Java regex: " + ex.getDescription());
        }
    }

    private static ReplyAction action(String s) {
        ReplyAction a = ReplyAction.ofYaml(s);
        if (a == null || a == ReplyAction.NONE) {
            throw new IllegalArgumentException("unknown action '" + s
                    + "' (expected backoff, suspend, defer, bounce, disable-source-ip or normal)");
        }
        return a;
    }

    private static SmtpStage stage(String s) {
        SmtpStage stage = SmtpStage.ofYaml(s);
        if (stage == null) {
            throw new IllegalArgumentException("unknown stage '" + s
                    + "' (expected connect, ehlo, starttls, mail, rcpt, data or end-of-data)");
        }
        return stage;
    }

    private static Duration trigger(String s, int[] count) {
        if (s.equals("immediate")) {
            return Duration.ZERO;
        }
        Matcher m = THRESHOLD.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected 'immediate' or a threshold like '3 in 5m', got '" + s + "'");
        }
        count[0] = Integer.parseInt(m.group(1));
        return Values.positiveDuration(m.group(2));
    }

    static BounceCategory category(String s) {
        for (BounceCategory c : BounceCategory.values()) {
            if (c.label().equals(s)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown bounce category '" + s + "'");
    }
}
