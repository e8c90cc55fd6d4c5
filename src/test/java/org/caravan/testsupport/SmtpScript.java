package org.caravan.testsupport;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The rules of one {@link ScriptedSmtpServer}: what to reply and which faults to inject. Thread-safe. */
final class SmtpScript {

    static final String DEFAULT_RCPT = "250 2.1.5 OK";
    static final String DEFAULT_DATA = "250 2.0.0 OK queued";
    static final String DEFAULT_REFUSAL = "421 4.3.2 service not available";
    static final String DEFAULT_RATE = "421 4.7.0 too many messages, slow down";
    static final String RANDOM_DEFERRAL = "451 4.3.0 temporary failure";

    /** A stall of some duration, for a limited number of occurrences. */
    private record Stall(Duration duration, AtomicInteger remaining) {
    }

    private final Map<String, List<String>> rcptRules = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> rcptAttempts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> dataAttempts = new ConcurrentHashMap<>();
    private final Map<SmtpStage, Stall> stalls = new ConcurrentHashMap<>();
    private final Set<Integer> dropAt = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refusalsLeft = new AtomicInteger();
    private volatile List<String> dataReplies = List.of(DEFAULT_DATA);
    private volatile String refusalReply = DEFAULT_REFUSAL;
    private volatile int maxPerSecond;
    private volatile String rateReply = DEFAULT_RATE;
    private volatile double dropProbability;
    private volatile double deferProbability;
    private volatile Random random;
    private volatile Duration greetingDrip;
    private volatile int maxRcptPerTransaction;
    private volatile long sizeLimit = 104857600;
    private volatile boolean eightBitMime = true;

    SmtpScript(long seed) {
        random = new Random(seed);
    }

    void seed(long seed) {
        random = new Random(seed);
    }

    void rcptReplies(String address, String... repliesByAttempt) {
        rcptRules.put(key(address), replies(repliesByAttempt));
    }

    void deferRcptRandomly(double probability) {
        deferProbability = probability;
    }

    void dataReplies(String... repliesByAttempt) {
        dataReplies = replies(repliesByAttempt);
    }

    void rateLimit(int perSecond, String reply) {
        maxPerSecond = perSecond;
        rateReply = reply;
    }

    void dropDuringData(int... dataNumbers) {
        Arrays.stream(dataNumbers).forEach(dropAt::add);
    }

    void dropDuringDataRandomly(double probability) {
        dropProbability = probability;
    }

    void stall(SmtpStage stage, Duration duration, int times) {
        stalls.put(stage, new Stall(duration, new AtomicInteger(times)));
    }

    void refuseSessions(int count, String reply) {
        refusalReply = reply;
        refusalsLeft.set(count);
    }

    void dripGreeting(Duration interval) {
        greetingDrip = interval;
    }

    /** Null for a normal greeting, else the pause between endless "220-" continuation lines. */
    Duration greetingDrip() {
        return greetingDrip;
    }

    private volatile boolean resetAfter421;

    void resetAfter421() {
        resetAfter421 = true;
    }

    boolean resetsAfter421() {
        return resetAfter421;
    }

    void maxRcptPerTransaction(int max) {
        maxRcptPerTransaction = max;
    }

    int maxRcptPerTransaction() {
        return maxRcptPerTransaction;
    }

    void advertise(long size, boolean eightBit) {
        sizeLimit = size;
        eightBitMime = eightBit;
    }

    /** The EHLO keywords after the greeting line: SIZE (with its limit, none if 0), 8BITMIME unless turned off. */
    String ehloKeywords() {
        return (eightBitMime ? "250-8BITMIME\r\n" : "") + "250-SIZE" + (sizeLimit > 0 ? " " + sizeLimit : "") + "\r\n";
    }

    /** Decides the RCPT reply: a scripted rule for the address or its "@domain", else a random deferral, else 250. */
    String rcptReply(String address) {
        String key = key(address);
        int attempt = rcptAttempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        List<String> rule = rcptRules.get(key);
        int at = key.lastIndexOf('@');
        if (rule == null && at >= 0) {
            rule = rcptRules.get(key.substring(at));
        }
        if (rule != null) {
            return pick(rule, attempt);
        }
        if (deferProbability > 0 && random.nextDouble() < deferProbability) {
            return RANDOM_DEFERRAL;
        }
        return DEFAULT_RCPT;
    }

    int rcptAttempts(String address) {
        AtomicInteger n = rcptAttempts.get(key(address));
        return n == null ? 0 : n.get();
    }

    /** Decides the final DATA reply by the attempt number of this message (keyed by Message-ID, else content). */
    String dataReply(byte[] data) {
        List<String> replies = dataReplies;
        if (replies.size() == 1) {
            return replies.get(0);
        }
        String messageId = Received.header(data, "Message-ID");
        String key = messageId != null ? messageId : "content:" + data.length + ":" + Arrays.hashCode(data);
        return pick(replies, dataAttempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet());
    }

    /** True if the DATA transfer with this server-wide number (1-based) is to be cut off. */
    boolean dropInData(int dataNumber) {
        return dropAt.remove(dataNumber) || (dropProbability > 0 && random.nextDouble() < dropProbability);
    }

    /** How long to stall at this stage now, or null; each call uses up one occurrence. */
    Duration stallAt(SmtpStage stage) {
        Stall stall = stalls.get(stage);
        return stall != null && stall.remaining().getAndDecrement() > 0 ? stall.duration() : null;
    }

    /** The refusal greeting for a new session, or null to greet normally. */
    String takeRefusal() {
        return refusalsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? refusalReply : null;
    }

    int maxPerSecond() {
        return maxPerSecond;
    }

    String rateReply() {
        return rateReply;
    }

    private static String pick(List<String> replies, int attempt) {
        return replies.get(Math.min(attempt, replies.size()) - 1);
    }

    private static List<String> replies(String... replies) {
        if (replies.length == 0) {
            throw new IllegalArgumentException("at least one reply is needed");
        }
        for (String reply : replies) {
            if (reply.length() < 3 || !Character.isDigit(reply.charAt(0))) {
                throw new IllegalArgumentException("not an SMTP reply: " + reply);
            }
        }
        return List.of(replies);
    }

    private static String key(String address) {
        return address.toLowerCase(Locale.ROOT);
    }
}
