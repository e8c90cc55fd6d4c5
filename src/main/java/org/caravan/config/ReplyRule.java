package org.caravan.config;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

import org.caravan.outcome.BounceCategory;
import org.caravan.smtp.SmtpStage;

/**
 * One reply rule: a regex found in the whole reply (all lines joined by one space), an optional
 * stage, the action, a threshold (1 in zero time = immediate), an optional bounce category and a
 * duration for suspend / disable-source-ip.
 */
public record ReplyRule(Pattern match, SmtpStage stage, ReplyAction action, int count, Duration window,
        BounceCategory category, Duration duration) {

    public ReplyRule {
        Objects.requireNonNull(match);
        Objects.requireNonNull(action);
        window = window == null ? Duration.ZERO : window;
        duration = duration == null ? Duration.ZERO : duration;
        if (count < 1) {
            throw new IllegalArgumentException("threshold count must be at least 1");
        }
    }

    public static ReplyRule immediate(String regex, SmtpStage stage, ReplyAction action) {
        return new ReplyRule(Pattern.compile(regex), stage, action, 1, Duration.ZERO, null, Duration.ZERO);
    }

    /** The old backoff.patterns entry: its text anywhere, case-insensitive, '-' and ' ' after the code alike. */
    public static ReplyRule backoffPattern(String text) {
        String quoted = Pattern.quote(text.strip());
        String regex = text.strip().matches("^\\d{3}[- ].*")
                ? Pattern.quote(text.strip().substring(0, 3)) + "[- ]" + Pattern.quote(text.strip().substring(4))
                : quoted;
        return new ReplyRule(Pattern.compile(regex, Pattern.CASE_INSENSITIVE), null, ReplyAction.BACKOFF,
                1, Duration.ZERO, null, Duration.ZERO);
    }

    public boolean isImmediate() {
        return count <= 1;
    }

    /** Equal when written alike: a reload that leaves a rule as it was changes nothing. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ReplyRule r && r.match.pattern().equals(match.pattern()) && r.match.flags() == match.flags()
                && r.stage == stage && r.action == action && r.count == count && r.window.equals(window)
                && r.category == category && r.duration.equals(duration);
    }

    @Override
    public int hashCode() {
        return Objects.hash(match.pattern(), stage, action, count, window, category, duration);
    }

    /** As written: the regex, then what it does ("^421[ -]4\\.7\\.28\\b backoff"). */
    @Override
    public String toString() {
        return match.pattern() + (stage == null ? "" : " at " + stage.yamlName()) + " " + action.yamlName()
                + (isImmediate() ? "" : " " + count + " in " + window);
    }

    public boolean matches(String wholeReply, SmtpStage at) {
        return (stage == null || stage == at) && match.matcher(wholeReply).find();
    }
}
