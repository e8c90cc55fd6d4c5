package org.caravan.outcome;

import static org.caravan.outcome.BounceCategory.BAD_CONNECTION;
import static org.caravan.outcome.BounceCategory.BAD_DOMAIN;
import static org.caravan.outcome.BounceCategory.BAD_MAILBOX;
import static org.caravan.outcome.BounceCategory.CONTENT_RELATED;
import static org.caravan.outcome.BounceCategory.INACTIVE_MAILBOX;
import static org.caravan.outcome.BounceCategory.INVALID_INPUT;
import static org.caravan.outcome.BounceCategory.MESSAGE_EXPIRED;
import static org.caravan.outcome.BounceCategory.NO_ANSWER_FROM_HOST;
import static org.caravan.outcome.BounceCategory.OTHER;
import static org.caravan.outcome.BounceCategory.POLICY_RELATED;
import static org.caravan.outcome.BounceCategory.PROTOCOL_ERRORS;
import static org.caravan.outcome.BounceCategory.QUOTA_ISSUES;
import static org.caravan.outcome.BounceCategory.ROUTING_ERRORS;
import static org.caravan.outcome.BounceCategory.SPAM_RELATED;
import static org.caravan.outcome.BounceCategory.VIRUS_RELATED;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.caravan.smtp.SmtpReply;

/**
 * Tells why a recipient failed, in PowerMTA's bounce categories: first by the RFC 3463 enhanced
 * status code, then by reply text patterns of the large providers, last by the reply code.
 * A specific code decides alone; a broad one (x.5.0, x.7.x, ...) lets a text pattern refine it,
 * because providers put the real reason in the text ("550 5.5.0 mailbox unavailable").
 */
public final class BounceClassifier {

    /** An enhanced-code rule: {@code x} is any class, {@code *} any detail number. */
    private record CodeRule(Pattern code, BounceCategory category, boolean broad) {
    }

    private record TextRule(Pattern text, BounceCategory category) {
    }

    private static final List<CodeRule> CODE_RULES = List.of(
            specific("x.1.1", BAD_MAILBOX),
            specific("x.1.2", BAD_DOMAIN),
            specific("x.1.3", BAD_MAILBOX),
            specific("x.1.6", BAD_MAILBOX),
            specific("x.1.7", INVALID_INPUT),
            specific("x.1.8", INVALID_INPUT),
            // RFC 7505 says null MX, but Microsoft sends 5.1.10 for RecipientNotFound.
            broad("x.1.10", BAD_MAILBOX),
            // Only permanent: Gmail's 4.2.1 means "receiving mail too fast", not a disabled mailbox.
            specific("5.2.1", INACTIVE_MAILBOX),
            specific("x.2.2", QUOTA_ISSUES),
            specific("x.2.3", CONTENT_RELATED),
            specific("x.3.1", QUOTA_ISSUES),
            specific("x.3.4", CONTENT_RELATED),
            specific("x.4.7", MESSAGE_EXPIRED),
            // Microsoft answers 5.4.1 "Recipient address rejected: Access denied" for unknown users.
            broad("x.4.1", NO_ANSWER_FROM_HOST),
            specific("x.4.2", BAD_CONNECTION),
            broad("x.4.*", ROUTING_ERRORS),
            broad("x.5.*", PROTOCOL_ERRORS),
            broad("x.6.*", CONTENT_RELATED),
            broad("x.7.*", POLICY_RELATED));

    /** First match wins, so the narrower reasons come before the words they share with others. */
    private static final List<TextRule> TEXT_RULES = List.of(
            text("\\bvirus|malware|infected|potential security issue", VIRUS_RELATED),
            text("unauthenticated|authentication|\\b(dmarc|spf|dkim)\\b", POLICY_RELATED),
            text("spam|junk mail|unsolicited|black ?list|block ?list|blocked|banned|reputation"
                    + "|complaints?\\b|\\b(rbl|dnsbl|uce)\\b", SPAM_RELATED),
            text("message content|content rejected|size exceeds|exceeds .*size|too (big|large)",
                    CONTENT_RELATED),
            text("mailbox (is )?full|quota|insufficient (system )?storage|out of storage", QUOTA_ISSUES),
            text("disabled|inactive|deactivated|discontinued|suspended|no longer (active|in use)",
                    INACTIVE_MAILBOX),
            text("null mx|domain (name )?(not found|does not exist|doesn.?t exist)|unknown (domain|host)"
                    + "|host (not found|unknown)|no mx|nxdomain", BAD_DOMAIN),
            text("user ?unknown|unknown (user|recipient)|no such (user|mailbox|recipient|address)"
                    + "|mailbox unavailable|does not exist|doesn.?t exist|doesn.?t have an? \\S+ account"
                    + "|(recipient|user|mailbox) ?not ?found|invalid (recipient|mailbox)"
                    + "|recipient address rejected: access denied", BAD_MAILBOX),
            text("policy|not authorized|rate limit|too many", POLICY_RELATED),
            text("relay(ing)? (access )?denied|unable to (relay|route)|(mail|routing) loop|loop detected",
                    ROUTING_ERRORS),
            text("timed? ?out|connection (refused|reset|closed|lost)", BAD_CONNECTION),
            text("syntax error|command not (recognized|implemented)|bad sequence", PROTOCOL_ERRORS));

    private static final Pattern ENHANCED_IN_TEXT = Pattern.compile("\\b[245]\\.\\d{1,3}\\.\\d{1,3}\\b");

    /** The category of a failed or deferred reply; never null. */
    public BounceCategory classify(SmtpReply reply) {
        if (reply.code() == 0) {
            // A synthetic reply: its enhanced code is ours, not the server's, and says only "no reply".
            return BAD_CONNECTION;
        }
        CodeRule byCode = codeRule(enhancedCode(reply));
        if (byCode != null && !byCode.broad()) {
            return byCode.category();
        }
        BounceCategory byText = textCategory(reply.text());
        if (byText != null) {
            return byText;
        }
        return byCode != null ? byCode.category() : byReplyCode(reply.code());
    }

    /** The category of a message that ran out of time before any delivery succeeded. */
    public static BounceCategory expired() {
        return MESSAGE_EXPIRED;
    }

    /** The parsed enhanced code, or the first one in the text (some servers put a prefix before it). */
    private static String enhancedCode(SmtpReply reply) {
        if (reply.enhancedCode() != null && !reply.enhancedCode().isEmpty()) {
            return reply.enhancedCode();
        }
        Matcher m = ENHANCED_IN_TEXT.matcher(reply.text() == null ? "" : reply.text());
        return m.find() ? m.group() : "";
    }

    private static CodeRule codeRule(String enhanced) {
        for (CodeRule rule : CODE_RULES) {
            if (rule.code().matcher(enhanced).matches()) {
                return rule;
            }
        }
        return null;
    }

    private static BounceCategory textCategory(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        for (TextRule rule : TEXT_RULES) {
            if (rule.text().matcher(text).find()) {
                return rule.category();
            }
        }
        return null;
    }

    /** The last resort: RFC 5321's command errors are protocol errors, anything else is "other". */
    private static BounceCategory byReplyCode(int code) {
        return code >= 500 && code <= 504 ? PROTOCOL_ERRORS : OTHER;
    }

    private static CodeRule specific(String code, BounceCategory category) {
        return new CodeRule(codePattern(code), category, false);
    }

    private static CodeRule broad(String code, BounceCategory category) {
        return new CodeRule(codePattern(code), category, true);
    }

    private static Pattern codePattern(String code) {
        return Pattern.compile(code.replace(".", "\\.").replace("x", "[245]").replace("*", "\\d{1,3}"));
    }

    private static TextRule text(String regex, BounceCategory category) {
        return new TextRule(Pattern.compile(regex, Pattern.CASE_INSENSITIVE), category);
    }
}
