package org.caravan.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded corpus of submissions for the bad-input suite: malformed ones, each tagged with the
 * reject reason code the engine must give it, mixed with good mail that must be delivered.
 *
 * <p>Whether an input is bad is decided here, from RFC 5322/5321 and the engine's contract
 * (README), not from what the engine happens to do:
 * <ul>
 * <li>header fields whose name is missing, holds a space, control or 8-bit octet, or that have no
 *     colon; a first line that is a continuation; no header at all; raw binary: unparseable</li>
 * <li>a body with NUL octets, bare CRs and overlong lines: it cannot cross SMTP unchanged without
 *     BINARYMIME (RFC 5321 2.3.8, RFC 6152 / RFC 2045 "8bit data"): unparseable</li>
 * <li>a bare CR inside a header field: not a line end for the engine's parser but a line end for
 *     the wire (the SMTP client writes CR as CRLF), so it smuggles a header: unparseable</li>
 * <li>a header block over 1 MB (the engine's documented limit), however it is laid out: unparseable</li>
 * <li>addresses that are not a Mailbox of RFC 5321 4.1.2 in ASCII (no SMTPUTF8): malformed-address
 *     for recipients, malformed-sender for the envelope sender</li>
 * </ul>
 * Content the MTA only carries is good mail: wrong, bogus or undeclared charsets, invalid UTF-8
 * in a body, 8-bit text in Subject, fuzzed values of non-address fields, and the obsolete
 * "Name : value" form (RFC 5322 4.5.3 obs-optional, which a receiver must accept).
 */
public final class BadInputCorpus {

    /** How an item is submitted. */
    public enum Transport { JMS_BYTES, JMS_TEXT, STOMP }

    /** The custom property that names an item on mail.invalid. */
    public static final String CASE_ID = "caseId";

    /**
     * One submission.
     *
     * @param id             unique; also its caseId property
     * @param kind           what is wrong with it ("good" for plain good mail)
     * @param body           the bytes submitted (as text, they are valid UTF-8)
     * @param properties     message properties, caseId included
     * @param transport      how to send it
     * @param expectedCode   the reason code it must get on mail.invalid, or null if it is good mail
     * @param expectedDetail the exact text after "code: " when it is known (the refused address), else null
     * @param deliverTo      recipients that must be delivered exactly once
     */
    public record Item(String id, String kind, byte[] body, Map<String, String> properties, Transport transport,
            String expectedCode, String expectedDetail, List<String> deliverTo) {

        public boolean bad() {
            return expectedCode != null;
        }

        public String messageId() {
            return "<" + id + "@corpus.test>";
        }

        /** What mail.invalid keeps of it: the body as submitted, only the header block of an oversize one. */
        public byte[] keptBody() {
            return "oversize".equals(expectedCode) ? headerBlock(body) : body;
        }
    }

    /** The bytes up to and including the blank line that ends the header block (all of them if none). */
    public static byte[] headerBlock(byte[] message) {
        for (int i = 0; i < message.length; i++) {
            if (message[i] != '\n') {
                continue;
            }
            if (i + 1 < message.length && message[i + 1] == '\n') {
                return java.util.Arrays.copyOf(message, i + 2);
            }
            if (i + 2 < message.length && message[i + 1] == '\r' && message[i + 2] == '\n') {
                return java.util.Arrays.copyOf(message, i + 3);
            }
        }
        return message;
    }

    private static final String[] GOOD_DOMAINS = {"example.com", "example.net", "mail.example.org", "good.test"};
    /** Addresses no SMTP client may send: syntax of RFC 5321 4.1.2, ASCII only, two labels at least. */
    private static final String[] BAD_ADDRESSES = {
        "user@@example.com", "user@host@example.com", "userexample.com", "user@", "@example.com",
        "user@-example.com", "user@example-.com", "user@example..com", ".user@example.com",
        "user.@example.com", "us..er@example.com", "user@[300.1.2.3]", "user@[1.2.3]", "user@[IPv6:zz::1]",
        "x".repeat(65) + "@example.com", "user@" + "a".repeat(64) + ".com", "user@example.com.",
        "üser@example.com", "user@exämple.com", "用户@例子.广告", "user name@example.com", "\"unclosed@example.com",
        "user@example.com>", "<user@example.com", "user@_example.com", "user@exa mple.com", "user@example.c_m",
        "user@" + ("label.".repeat(50)) + "com",
    };
    /** Characters that break an address wherever they go inside it. */
    private static final char[] ADDRESS_BREAKERS = {' ', '"', '(', ')', '<', '>', '[', ']', ':', ';', '\\', '@', '\t',
        '\u0001', '\u007f', 'ü', 'é', '中', '\u00a0'};
    /** The subset that leaves the comma splitting of a list alone (no quote, escape, comment or bracket). */
    private static final char[] SPLIT_SAFE_BREAKERS = {' ', ')', '>', '[', ']', ':', ';', '@', '\t', '\u0001',
        '\u007f', 'ü', 'é', '中', '\u00a0'};

    private final Random random;
    private final long maxMessageSize;
    private final List<Item> items = new ArrayList<>();
    private int next;

    private BadInputCorpus(long seed, long maxMessageSize) {
        this.random = new Random(seed);
        this.maxMessageSize = maxMessageSize;
    }

    /**
     * At least {@code bad} malformed items and {@code good} plain good messages, plus a few dozen
     * good items with odd but deliverable content, shuffled. The engine must run with
     * max-message-size {@code maxMessageSize}, which must exceed the 1 MB header limit by enough
     * for a 1.1 MB header block to be judged on its headers rather than its size.
     */
    public static List<Item> generate(long seed, int bad, int good, long maxMessageSize) {
        if (maxMessageSize < (1 << 20) + (200 << 10)) {
            throw new IllegalArgumentException("max-message-size must exceed the 1 MB header limit by 200K or more");
        }
        BadInputCorpus c = new BadInputCorpus(seed, maxMessageSize);
        // fixed counts for the big ones (megabytes each), the rest round-robin
        for (int i = 0; i < 8; i++) {
            c.hugeHeaderLines();
        }
        for (int i = 0; i < 4; i++) {
            c.hugeHeaderField(i % 2 == 0);
        }
        for (int i = 0; i < 10; i++) {
            c.oversize();
        }
        List<Runnable> kinds = List.of(c::fuzzedHeaderName, c::headerWithoutColon, c::emptyHeaderName,
                c::leadingContinuation, c::noHeaders, c::binaryGarbage, c::binaryBody, c::bareCrInHeader, c::empty,
                c::crlfInProperty, c::noSender, c::malformedSenderProperty, c::malformedFromHeader, c::unknownVmta,
                c::badRecipientAlone, c::badRecipientAmongGood, c::badRecipientInHeader, c::noRecipients,
                c::longLine, c::tooManyRecipients);
        for (int i = 0; c.items.size() < bad; i++) {
            kinds.get(i % kinds.size()).run();
        }
        for (int i = 0; i < 6; i++) {
            c.wrongCharset();
            c.invalidUtf8Body();
            c.undeclaredCharset();
            c.bogusCharset();
            c.eightBitSubject();
            c.fuzzedValues();
        }
        for (int i = 0; i < 3; i++) {
            c.obsoleteFieldSpacing();
        }
        for (int i = 0; i < good; i++) {
            c.goodMail();
        }
        List<Item> out = new ArrayList<>(c.items);
        Collections.shuffle(out, c.random);
        return out;
    }

    // ---- malformed ----

    /** A field name holding a space, control or 8-bit octet before the colon. */
    private void fuzzedHeaderName() {
        String id = id();
        char[] breakers = {' ', '\t', '\u0001', '\u001b', '\u007f', 'é', 'ß'};
        String name = "X-Fuzz";
        int at = 1 + random.nextInt(name.length() - 1);
        name = name.substring(0, at) + breakers[random.nextInt(breakers.length)] + name.substring(at);
        bad(id, "fuzzed-header-name", latin1(head(id, sender(), rcpt(id), name + ": value\r\n") + "\r\nbody\r\n"),
                "unparseable");
    }

    /** A line inside the header block with no colon at all. */
    private void headerWithoutColon() {
        String id = id();
        String line = printable(5 + random.nextInt(60), ":").strip();
        if (line.isEmpty()) {
            line = "garbage";
        }
        bad(id, "header-without-colon", ascii(head(id, sender(), rcpt(id), line + "\r\n") + "\r\nbody\r\n"),
                "unparseable");
    }

    private void emptyHeaderName() {
        String id = id();
        bad(id, "empty-header-name", ascii(head(id, sender(), rcpt(id), ": no name\r\n") + "\r\nbody\r\n"),
                "unparseable");
    }

    /** The first line is a continuation line (starts with white space). */
    private void leadingContinuation() {
        String id = id();
        bad(id, "leading-continuation", ascii((random.nextBoolean() ? " " : "\t") + head(id, sender(), rcpt(id), "")
                + "\r\nbody\r\n"), "unparseable");
    }

    /** Plain text, no header block. */
    private void noHeaders() {
        String id = id();
        String text = "Hello " + printable(10 + random.nextInt(80), ":") + "\r\nno headers here, see: nothing\r\n";
        bad(id, "no-headers", ascii(text), "unparseable", Map.of("rcptTo", rcpt(id)));
    }

    /** Random octets from the first byte on. */
    private void binaryGarbage() {
        String id = id();
        byte[] b = new byte[16 + random.nextInt(4000)];
        random.nextBytes(b);
        b[0] = 0;
        bad(id, "binary-garbage", b, "unparseable", Map.of("rcptTo", rcpt(id)));
    }

    /** Good headers, then a binary body: NULs, bare CRs and LFs, lines far over 998 octets. */
    private void binaryBody() {
        String id = id();
        byte[] body = new byte[2000 + random.nextInt(3000)];
        random.nextBytes(body);
        body[random.nextInt(body.length)] = 0;
        body[random.nextInt(body.length)] = '\r';
        bad(id, "binary-body", concat(ascii(head(id, sender(), rcpt(id),
                "Content-Type: application/octet-stream\r\n") + "\r\n"), body), "unparseable");
    }

    /** A bare CR inside Subject: the wire would make it a line end, and what follows a new header. */
    private void bareCrInHeader() {
        String id = id();
        String[] smuggled = {"Bcc: hidden@evil.test", "From: ceo@bank.test", "Content-Type: text/html", "X-Injected: yes"};
        bad(id, "bare-cr-in-header", ascii(head(id, sender(), rcpt(id),
                "Subject: hello\r" + smuggled[random.nextInt(smuggled.length)] + "\r\n") + "\r\nbody\r\n"), "unparseable");
    }

    /** A header block of more than 1 MB in many fields. */
    private void hugeHeaderLines() {
        String id = id();
        StringBuilder extra = new StringBuilder();
        for (int n = 0; extra.length() < (1 << 20) + (64 << 10); n++) {
            extra.append("X-Filler-").append(n).append(": ").append(printable(70, ":")).append("\r\n");
        }
        bad(id, "huge-header-lines", ascii(head(id, sender(), rcpt(id), extra.toString()) + "\r\nbody\r\n"),
                "unparseable");
    }

    /** A header block of more than 1 MB whose last field alone passes the limit (folded or on one line). */
    private void hugeHeaderField(boolean folded) {
        String id = id();
        StringBuilder field = new StringBuilder("X-Huge:");
        while (field.length() < (1 << 20) + (64 << 10)) {
            field.append(' ').append(printable(75, ":"));
            if (folded) {
                field.append("\r\n");
            }
        }
        if (!folded) {
            field.append("\r\n");
        }
        bad(id, folded ? "huge-header-field-folded" : "huge-header-field-one-line",
                ascii(head(id, sender(), rcpt(id), field.toString()) + "\r\nbody\r\n"), "unparseable");
    }

    /** A well-formed message over max-message-size. */
    private void oversize() {
        String id = id();
        StringBuilder body = new StringBuilder();
        long target = maxMessageSize + 1 + random.nextInt(512 << 10);
        String line = "x".repeat(76) + "\r\n";
        while (body.length() < target) {
            body.append(line);
        }
        bad(id, "oversize", ascii(head(id, sender(), rcpt(id), "") + "\r\n" + body), "oversize");
    }

    /** A header or body line over the 998 octets RFC 5322 2.1.1 allows. */
    private void longLine() {
        String id = id();
        String line = printable(999 + random.nextInt(4000), "");
        boolean inHeader = random.nextBoolean();
        String head = head(id, sender(), rcpt(id), inHeader ? "X-Long: " + line + "\r\n" : "");
        bad(id, inHeader ? "long-header-line" : "long-body-line",
                ascii(head + "\r\n" + (inHeader ? "body\r\n" : "short\r\n" + line + "\r\n")), "line-too-long");
    }

    /** More recipients than max-rcpt-per-submission (1000 by default), in the rcptTo property or in To. */
    private void tooManyRecipients() {
        String id = id();
        java.util.StringJoiner rcpts = new java.util.StringJoiner(", ");
        for (int i = 0; i <= 1000; i++) {
            rcpts.add("n" + i + "." + rcpt(id));
        }
        if (random.nextBoolean()) {
            bad(id, "too-many-recipients", ascii(head(id, sender(), rcpt(id), "") + "\r\nbody\r\n"),
                    "too-many-recipients", Map.of("rcptTo", rcpts.toString()));
        } else {
            bad(id, "too-many-recipients", ascii(head(id, sender(), rcpts.toString().replace(", ", ",\r\n "), "")
                    + "\r\nbody\r\n"), "too-many-recipients");
        }
    }

    /** The message as intake passed it on: what follows the Received: trace field intake prepends. */
    public static byte[] withoutTrace(byte[] data) {
        String start = new String(data, 0, Math.min(data.length, 10), java.nio.charset.StandardCharsets.US_ASCII);
        if (!start.equals("Received: ")) {
            return data;
        }
        int i = 0;
        do {
            while (i < data.length && data[i] != '\n') {
                i++;
            }
            i++;
        } while (i < data.length && (data[i] == ' ' || data[i] == '\t'));
        return java.util.Arrays.copyOfRange(data, Math.min(i, data.length), data.length);
    }

    private void empty() {
        String id = id();
        String[] blanks = {"", "", "\r\n", "\r\n\r\n", "   \r\n\t\r\n", "\n\n\n", " "};
        bad(id, "empty", ascii(blanks[random.nextInt(blanks.length)]), "empty-body", Map.of("rcptTo", rcpt(id)));
    }

    /** CR and/or LF in one of the properties, often carrying an SMTP command. */
    private void crlfInProperty() {
        String id = id();
        String[] names = {"rcptTo", "mailFrom", "vmta", "jobId", "envId"};
        String name = names[random.nextInt(names.length)];
        String[] breaks = {"\r\n", "\n", "\r", "\r\n\r\n"};
        String[] payloads = {"RCPT TO:<evil@evil.test>", "DATA", ".", "X-Injected: yes", ""};
        String clean = switch (name) {
            case "rcptTo" -> rcpt(id);
            case "mailFrom" -> "bounces@example.net";
            case "vmta" -> "default";
            default -> id;
        };
        int at = random.nextInt(clean.length() + 1);
        String dirty = clean.substring(0, at) + breaks[random.nextInt(breaks.length)]
                + payloads[random.nextInt(payloads.length)] + clean.substring(at);
        Map<String, String> props = new LinkedHashMap<>();
        props.put(name, dirty);
        bad(id, "crlf-in-" + name, ascii(head(id, sender(), rcpt(id), "") + "\r\nbody\r\n"), "crlf-in-property", props);
    }

    /** No From header and no mailFrom property. */
    private void noSender() {
        String id = id();
        String text = "To: " + rcpt(id) + "\r\nSubject: anonymous\r\nMessage-ID: <" + id + "@corpus.test>\r\n"
                + (random.nextBoolean() ? "Sender-Hint: none\r\n" : "") + "\r\nbody\r\n";
        bad(id, "no-sender", ascii(text), "no-sender");
    }

    private void malformedSenderProperty() {
        String id = id();
        String from = badAddress(false);
        bad(id, "malformed-mailFrom", utf8(head(id, sender(), rcpt(id), "") + "\r\nbody\r\n"), "malformed-sender",
                from.strip(), Map.of("mailFrom", from));
    }

    /** No mailFrom property and a From header whose address is not one. */
    private void malformedFromHeader() {
        String id = id();
        String[] froms = {"sender@@example.net", "Sender <sender@@example.net>", "sender@example..net",
            "<sender@-example.net>"};
        String from = froms[random.nextInt(froms.length)];
        bad(id, "malformed-From", ascii(head(id, from, rcpt(id), "") + "\r\nbody\r\n"), "malformed-sender");
    }

    private void unknownVmta() {
        String id = id();
        String[] names = {"nosuch", "pool-" + random.nextInt(1000), "default2", "défaut", "mta 1", "../default", "*"};
        bad(id, "unknown-vmta", ascii(head(id, sender(), rcpt(id), "") + "\r\nbody\r\n"), "unknown-vmta", null,
                Map.of("vmta", names[random.nextInt(names.length)]));
    }

    /** rcptTo naming one address, a broken one. */
    private void badRecipientAlone() {
        String id = id();
        String rcpt = badAddress(false);
        bad(id, "bad-recipient-alone", ascii(head(id, sender(), "undisclosed-recipients:;", "") + "\r\nbody\r\n"),
                "malformed-address", rcpt.strip(), Map.of("rcptTo", rcpt));
    }

    /** rcptTo with a broken address among good ones: the good ones are delivered, the broken one refused. */
    private void badRecipientAmongGood() {
        String id = id();
        String bad = badAddress(true);
        List<String> good = List.of("a-" + id + "@" + domain(), "b-" + id + "@" + domain());
        List<String> all = new ArrayList<>(good);
        all.add(random.nextInt(3), bad);
        item(new Item(id, "bad-recipient-among-good",
                ascii(head(id, sender(), "undisclosed-recipients:;", "") + "\r\nbody\r\n"),
                props(id, Map.of("rcptTo", String.join(random.nextBoolean() ? ", " : ",", all))), transport(true, true),
                "malformed-address", bad.strip(), good));
    }

    /** To and Cc headers with a doubled @ among good addresses. */
    private void badRecipientInHeader() {
        String id = id();
        String good1 = "c-" + id + "@" + domain();
        String good2 = "d-" + id + "@" + domain();
        String bad = "e-" + id + "@@" + domain();
        item(new Item(id, "bad-recipient-in-header",
                ascii(head(id, sender(), "Good One <" + good1 + ">, " + bad, "Cc: " + good2 + "\r\n") + "\r\nbody\r\n"),
                props(id, Map.of()), transport(true, true), "malformed-address", bad, List.of(good1, good2)));
    }

    private void noRecipients() {
        String id = id();
        switch (random.nextInt(3)) {
            case 0 -> bad(id, "no-recipients", ascii("From: " + sender() + "\r\nSubject: to nobody\r\nMessage-ID: <" + id
                    + "@corpus.test>\r\n\r\nbody\r\n"), "no-recipients");
            case 1 -> bad(id, "no-recipients", ascii(head(id, sender(), "undisclosed-recipients:;", "") + "\r\nbody\r\n"),
                    "no-recipients");
            default -> bad(id, "no-recipients", ascii(head(id, sender(), "undisclosed-recipients:;", "") + "\r\nbody\r\n"),
                    "no-recipients", null, Map.of("rcptTo", random.nextBoolean() ? "" : " , ,"));
        }
    }

    // ---- odd but deliverable ----

    private void wrongCharset() {
        String id = id();
        byte[] body = concat(ascii(head(id, sender(), rcpt(id), "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n")
                + "\r\nCaf"), new byte[] {(byte) 0xe9, ' ', 'c', 'r', (byte) 0xe8, 'm', 'e', '\r', '\n'});
        good(id, "wrong-charset", body);
    }

    private void invalidUtf8Body() {
        String id = id();
        byte[] body = concat(ascii(head(id, sender(), rcpt(id), "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n")
                + "\r\nbroken: "), new byte[] {(byte) 0xc3, '(', (byte) 0xff, (byte) 0x80, (byte) 0xed, (byte) 0xa0,
                    (byte) 0x80, (byte) 0xf8, '\r', '\n'});
        good(id, "invalid-utf8-body", body);
    }

    private void undeclaredCharset() {
        String id = id();
        good(id, "undeclared-charset", concat(ascii(head(id, sender(), rcpt(id), "") + "\r\n"),
                "Grüße aus Köln, ½ € \r\n".getBytes(StandardCharsets.ISO_8859_1)));
    }

    private void bogusCharset() {
        String id = id();
        good(id, "bogus-charset", ascii(head(id, sender(), rcpt(id),
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n"
                        + "X-Title: =?x-bogus?B?SGVsbG8=?=\r\n") + "\r\nbody\r\n"));
    }

    /** Raw UTF-8 in Subject (RFC 6532 form) or Latin-1 (seen in the wild): carried as is. */
    private void eightBitSubject() {
        String id = id();
        String s = head(id, sender(), rcpt(id), "Subject: Grüße – 日本語\r\n") + "\r\nbody\r\n";
        good(id, "8bit-subject", random.nextBoolean() ? utf8(s) : s.replace("Subject: Grüße – 日本語", "Subject: Grüße")
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Random printable values in fields an MTA does not interpret. */
    private void fuzzedValues() {
        String id = id();
        String extra = "Date: " + printable(30, "") + "\r\nContent-Type: " + printable(20, "") + "\r\nX-Fuzz: "
                + printable(60, "") + "\r\nSubject: " + printable(40, "") + "\r\n";
        good(id, "fuzzed-values", ascii(head(id, sender(), rcpt(id), extra) + "\r\nbody\r\n"));
    }

    /** "Subject : hi": RFC 5322 4.5.3 obs-optional, which a conformant receiver must accept. */
    private void obsoleteFieldSpacing() {
        String id = id();
        good(id, "obsolete-field-spacing", ascii(head(id, sender(), rcpt(id), "Comments  : obsolete form\r\n") + "\r\nbody\r\n"));
    }

    private void goodMail() {
        String id = id();
        List<String> rcpts = new ArrayList<>(List.of(rcpt(id)));
        if (random.nextBoolean()) {
            rcpts.add("g2-" + id + "@" + domain());
        }
        String text = head(id, "Sender <" + sender() + ">", String.join(", ", rcpts), "") + "\r\nGood mail " + id + ".\r\n";
        item(new Item(id, "good", utf8(text), props(id, Map.of()), transport(true, true), null, null, rcpts));
    }

    // ---- building blocks ----

    private String id() {
        return "c" + (++next);
    }

    private String domain() {
        return GOOD_DOMAINS[random.nextInt(GOOD_DOMAINS.length)];
    }

    /** The one recipient an item has by default: deliverable, unique. */
    private String rcpt(String id) {
        return "r-" + id + "@" + GOOD_DOMAINS[Integer.parseInt(id.substring(1)) % GOOD_DOMAINS.length];
    }

    private static String sender() {
        return "sender@example.net";
    }

    /** From, To, Date, Subject, Message-ID, then extra; extra's own Date or Subject replaces the default one. */
    private static String head(String id, String from, String to, String extra) {
        boolean ownSubject = extra.startsWith("Subject:") || extra.contains("\nSubject:");
        boolean ownDate = extra.startsWith("Date:") || extra.contains("\nDate:");
        return "From: " + from + "\r\nTo: " + to + "\r\n"
                + (ownDate ? "" : "Date: Thu, 1 Jan 2026 00:00:00 +0000\r\n")
                + (ownSubject ? "" : "Subject: corpus " + id + "\r\n")
                + "Message-ID: <" + id + "@corpus.test>\r\n" + extra;
    }

    /** A broken address: a known bad form, or a good one with one breaking character inside it. */
    private String badAddress(boolean mustSplitCleanly) {
        if (random.nextInt(3) == 0) {
            String a = BAD_ADDRESSES[random.nextInt(BAD_ADDRESSES.length)];
            if (!mustSplitCleanly || (a.indexOf('"') < 0 && a.indexOf('<') < 0 && a.indexOf('(') < 0 && a.indexOf('\\') < 0)) {
                return a;
            }
        }
        String a = "u" + random.nextInt(100000) + "@" + domain();
        char[] breakers = mustSplitCleanly ? SPLIT_SAFE_BREAKERS : ADDRESS_BREAKERS;
        int at = 1 + random.nextInt(a.length() - 1); // inside, so stripping cannot remove it
        char c = breakers[random.nextInt(breakers.length)];
        return a.substring(0, at) + c + a.substring(at);
    }

    /** Printable ASCII without the given characters. */
    private String printable(int length, String without) {
        StringBuilder sb = new StringBuilder(length);
        while (sb.length() < length) {
            char c = (char) (32 + random.nextInt(95));
            if (without.indexOf(c) < 0) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private void bad(String id, String kind, byte[] body, String code) {
        bad(id, kind, body, code, null, Map.of());
    }

    private void bad(String id, String kind, byte[] body, String code, Map<String, String> extraProps) {
        bad(id, kind, body, code, null, extraProps);
    }

    private void bad(String id, String kind, byte[] body, String code, String detail, Map<String, String> extraProps) {
        boolean small = body.length < (64 << 10);
        item(new Item(id, kind, body, props(id, extraProps), transport(small && isUtf8(body), small), code, detail,
                List.of()));
    }

    private void good(String id, String kind, byte[] body) {
        item(new Item(id, kind, body, props(id, Map.of()), transport(isUtf8(body), true), null, null, List.of(rcpt(id))));
    }

    private void item(Item item) {
        items.add(item);
    }

    /** caseId, jobId (unless the item sets its own) and the item's own properties. */
    private static Map<String, String> props(String id, Map<String, String> extra) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(CASE_ID, id);
        p.put("jobId", id);
        p.putAll(extra);
        return p;
    }

    /** Mostly JMS bytes; JMS text and STOMP for small bodies that survive the trip as text. */
    private Transport transport(boolean textOk, boolean small) {
        int r = random.nextInt(100);
        if (r < 15 && small) {
            return Transport.STOMP;
        }
        if (r < 35 && textOk) {
            return Transport.JMS_TEXT;
        }
        return Transport.JMS_BYTES;
    }

    /** True if the bytes are well-formed UTF-8 (so they survive a trip as text). */
    public static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
