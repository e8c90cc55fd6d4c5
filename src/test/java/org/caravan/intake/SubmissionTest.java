package org.caravan.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubmissionTest {

    private static final long MAX = 50L << 20;
    private static final Predicate<String> VMTAS = Set.of("default", "bulk")::contains;
    private static final Submission.Properties NONE = props(null, null);

    private static final String MAIL = """
            From: Alice <alice@example.com>\r
            To: Bob <bob@example.org>, carol@example.org\r
            Cc: dave@example.net\r
            Bcc: erin@example.com,\r
             frank@example.org\r
            Subject: hello\r
            Message-ID: <id-1@example.com>\r
            \r
            Hi.\r
            Bcc: this line is body\r
            """;

    // ---- envelope ----

    @Test
    void envelopeComesFromTheHeadersByDefault() {
        Submission s = read(MAIL, NONE);

        assertThat(s.rejections()).isEmpty();
        assertThat(s.mailFrom()).isEqualTo("alice@example.com");
        assertThat(s.vmta()).isEqualTo("default");
        assertThat(s.batches()).containsExactly(
                new Submission.DomainBatch("example.org", List.of("bob@example.org", "carol@example.org", "frank@example.org")),
                new Submission.DomainBatch("example.net", List.of("dave@example.net")),
                new Submission.DomainBatch("example.com", List.of("erin@example.com")));
    }

    @Test
    void envelopePropertiesOutrankTheHeaders() {
        Submission s = read(MAIL, props("x@example.net, <y@example.net>,z@example.com", "bounces@example.com"));

        assertThat(s.mailFrom()).isEqualTo("bounces@example.com");
        assertThat(s.batches()).containsExactly(
                new Submission.DomainBatch("example.net", List.of("x@example.net", "y@example.net")),
                new Submission.DomainBatch("example.com", List.of("z@example.com")));
    }

    /** The envelope sender as given -> MAIL FROM; "" is the null sender of bounces and DSNs. */
    @ParameterizedTest(name = "mailFrom={0}, From={1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "NULL", quoteCharacter = '\'', textBlock = """
        NULL                       | Alice <alice@example.com>        | alice@example.com
        NULL                       | alice@Example.COM                | alice@example.com
        NULL                       | "Smith, A" <a.smith@example.com> | a.smith@example.com
        NULL                       | Team: a@example.com, b@example.com; | a@example.com
        bounces@Example.COM        | Alice <alice@example.com>        | bounces@example.com
        <bounces@example.com>      | Alice <alice@example.com>        | bounces@example.com
        <>                         | Alice <alice@example.com>        | ''
        <>                         | NULL                             | ''
        """)
    void envelopeSender(String mailFrom, String fromHeader, String expected) {
        String mail = (fromHeader == null ? "" : "From: " + fromHeader + "\r\n") + "To: b@example.org\r\n\r\nHi.\r\n";

        Submission s = read(mail, props(null, mailFrom));

        assertThat(s.rejections()).isEmpty();
        assertThat(s.mailFrom()).isEqualTo(expected);
    }

    @Test
    void aNamedVmtaIsKept() {
        Submission s = read(MAIL, new Submission.Properties(null, null, "bulk", null, null));

        assertThat(s.rejections()).isEmpty();
        assertThat(s.vmta()).isEqualTo("bulk");
    }

    // ---- recipients ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
        # header lines                                                          | domain=recipients; ...
        To: a@x.example, b@y.example, c@x.example                                 | x.example=a@x.example,c@x.example; y.example=b@y.example
        To: a@x.example, a@x.example                                              | x.example=a@x.example
        To: a@x.example\\r\\nCc: a@X.EXAMPLE\\r\\nBcc: <a@x.example>              | x.example=a@x.example
        To: A@x.example, a@x.example                                              | x.example=A@x.example,a@x.example
        To: Team: a@x.example, b@y.example;                                       | x.example=a@x.example; y.example=b@y.example
        To: undisclosed-recipients:;\\r\\nBcc: c@z.example                        | z.example=c@z.example
        To: a@x.example\\r\\nTo: b@x.example                                      | x.example=a@x.example,b@x.example
        To: a@x.example,\\r\\n b@y.example                                        | x.example=a@x.example; y.example=b@y.example
        """)
    void recipientsAreCollapsedAndGroupedByDomain(String headers, String expected) {
        Submission s = read("From: s@example.com\r\n" + unescape(headers) + "\r\n\r\nbody\r\n", NONE);

        assertThat(s.rejections()).isEmpty();
        assertThat(batches(s)).isEqualTo(expected);
    }

    @Test
    void rcptToPropertyIsCollapsedAndGroupedByDomainToo() {
        Submission s = read(MAIL, props("a@x.example,b@y.example,a@X.example, c@x.example", null));

        assertThat(batches(s)).isEqualTo("x.example=a@x.example,c@x.example; y.example=b@y.example");
    }

    // ---- the bytes to send ----

    @Test
    void bccIsStrippedFromTheBytesWithItsFoldedLinesAndNothingElseChanges() {
        Submission s = read(MAIL, NONE);

        assertThat(text(s.body())).isEqualTo("""
                From: Alice <alice@example.com>\r
                To: Bob <bob@example.org>, carol@example.org\r
                Cc: dave@example.net\r
                Subject: hello\r
                Message-ID: <id-1@example.com>\r
                \r
                Hi.\r
                Bcc: this line is body\r
                """);
    }

    @Test
    void bccRecipientsStayInTheEnvelopeEvenWithRcptToUnset() {
        Submission s = read("From: s@example.com\r\nBcc: hidden@example.com\r\n\r\nbody\r\n", NONE);

        assertThat(batches(s)).isEqualTo("example.com=hidden@example.com");
        assertThat(text(s.body())).doesNotContainIgnoringCase("bcc").doesNotContain("hidden");
    }

    @Test
    void bytesWithoutBccAreSentExactlyAsSubmitted() {
        byte[] raw = ("From: s@example.com\r\nTo: b@example.org\r\nMessage-ID: <m@example.com>\r\n\r\n"
                + "..dot\r\n.\r\n\u00e9t\u00e9 \u2603\r\n" + "x".repeat(998) + "\r\n").getBytes(StandardCharsets.UTF_8);

        Submission s = Submission.read(raw, NONE, MAX, VMTAS);

        assertThat(s.body()).isEqualTo(raw);
        assertThat(s.messageId()).isEqualTo("<m@example.com>");
    }

    @Test
    void aMessageIdIsAddedWhenMissing() {
        String mail = "From: s@example.com\r\nTo: b@example.org\r\n\r\nbody\r\n";

        Submission s = read(mail, NONE);

        assertThat(s.messageId()).matches("<[^<>@\\s]+@[^<>@\\s]+>");
        assertThat(text(s.body())).isEqualTo("Message-ID: " + s.messageId() + "\r\n" + mail);
        assertThat(messageIdFields(s.body())).containsExactly(s.messageId());
        assertThat(read(mail, NONE).messageId()).isNotEqualTo(s.messageId());
    }

    /** RFC 5322 3.6 allows one Message-ID field; Gmail refuses mail with two. */
    @Test
    void aBlankMessageIdIsReplaced() {
        Submission s = read("From: s@example.com\r\nTo: b@example.org\r\nMessage-ID:  \r\n\r\nbody\r\n", NONE);

        assertThat(s.messageId()).matches("<[^<>@\\s]+@[^<>@\\s]+>");
        assertThat(messageIdFields(s.body())).containsExactly(s.messageId());
    }

    // ---- rejections ----

    /** Whole-message refusals: no deliveries, one rejection naming no recipient, its code first. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", quoteCharacter = '\'', textBlock = """
        # case                | body (\\r\\n escaped)                                  | rcptTo | mailFrom | vmta   | jobId | code
        no recipients         | From: s@example.com\\r\\nSubject: x\\r\\n\\r\\nbody        | NULL   | NULL     | NULL   | NULL  | no-recipients
        only an empty group   | From: s@example.com\\r\\nTo: list:;\\r\\n\\r\\nbody        | NULL   | NULL     | NULL   | NULL  | no-recipients
        blank rcptTo          | From: s@example.com\\r\\nTo: b@example.org\\r\\n\\r\\nbody | ' , '  | NULL     | NULL   | NULL  | no-recipients
        no sender             | To: b@example.org\\r\\n\\r\\nbody                          | NULL   | NULL     | NULL   | NULL  | no-sender
        malformed From        | From: a@@example.com\\r\\nTo: b@example.org\\r\\n\\r\\nb   | NULL   | NULL     | NULL   | NULL  | malformed-sender
        malformed mailFrom    | From: s@example.com\\r\\nTo: b@example.org\\r\\n\\r\\nbody | NULL   | bad      | NULL   | NULL  | malformed-sender
        CR in jobId           | From: s@example.com\\r\\nTo: b@example.org\\r\\n\\r\\nbody | NULL   | NULL     | NULL   | a\\rb | crlf-in-property
        LF in jobId           | From: s@example.com\\r\\nTo: b@example.org\\r\\n\\r\\nbody | NULL   | NULL     | NULL   | a\\nb | crlf-in-property
        CRLF in rcptTo        | From: s@example.com\\r\\nTo: b@example.org\\r\\n\\r\\nbody | 'b@example.org\\r\\nRCPT TO:<x@example.net>' | NULL | NULL | NULL | crlf-in-property
        CRLF in mailFrom      | From: s@example.com\\r\\nTo: b@example.org\\r\\n\\r\\nbody | NULL   | 'a@example.com\\r\\n' | NULL | NULL | crlf-in-property
        CRLF in vmta          | From: s@example.com\\r\\nTo: b@example.org\\r\\n\\r\\nbody | NULL   | NULL     | 'default\\n' | NULL | crlf-in-property
        empty body            | ''                                                     | NULL   | NULL     | NULL   | NULL  | empty-body
        blank body            | ' \\r\\n\\t\\r\\n'                                     | NULL   | NULL     | NULL   | NULL  | empty-body
        no header             | just some text\\r\\nand more                           | NULL   | NULL     | NULL   | NULL  | unparseable
        body first            | \\r\\nFrom: s@example.com                              | NULL   | NULL     | NULL   | NULL  | unparseable
        unknown vmta          | From: s@example.com\\r\\nTo: b@example.org\\r\\n\\r\\nbody | NULL   | NULL     | nosuch | NULL  | unknown-vmta
        """)
    void refusesTheWholeMessage(String name, String body, String rcptTo, String mailFrom, String vmta, String jobId,
            String code) {
        Submission.Properties p = new Submission.Properties(unescape(rcptTo), unescape(mailFrom), unescape(vmta),
                unescape(jobId), null);

        Submission s = read(unescape(body), p);

        assertRefused(s, code);
    }

    @Test
    void refusesCrlfInEnvId() {
        assertRefused(read(MAIL, new Submission.Properties(null, null, null, null, "e\r\n1")), "crlf-in-property");
    }

    @Test
    void refusesBinaryGarbage() {
        byte[] garbage = {0x00, (byte) 0xff, (byte) 0xfe, 0x13, 0x37, '\r', '\n', (byte) 0x89, 'P', 'N', 'G', 0};

        assertRefused(Submission.read(garbage, NONE, MAX, VMTAS), "unparseable");
    }

    @Test
    void refusesOverTheMaximumSizeAndAcceptsExactlyIt() {
        String head = "From: s@example.com\r\nTo: b@example.org\r\nMessage-ID: <m@example.com>\r\n\r\n";
        byte[] exact = (head + "x".repeat(1000 - head.length())).getBytes(StandardCharsets.US_ASCII);
        byte[] over = (head + "x".repeat(1001 - head.length())).getBytes(StandardCharsets.US_ASCII);

        assertThat(Submission.read(exact, NONE, 1000, VMTAS).rejections()).isEmpty();
        assertRefused(Submission.read(over, NONE, 1000, VMTAS), "oversize");
        assertThat(Submission.read(over, NONE, 1000, VMTAS).rejections().get(0).detail()).contains("1001", "1000");
    }

    @Test
    void aMalformedRecipientIsRefusedAloneAndTheOthersGoOn() {
        Submission s = read("From: s@example.com\r\nTo: a@x.example, bad@@x.example, c@y.example\r\n"
                + "Cc: no-at-sign\r\nMessage-ID: <m@example.com>\r\n\r\nbody\r\n", NONE);

        assertThat(batches(s)).isEqualTo("x.example=a@x.example; y.example=c@y.example");
        assertThat(s.rejections()).extracting(Rejection::reason)
                .containsExactly(RejectReason.MALFORMED_ADDRESS, RejectReason.MALFORMED_ADDRESS);
        assertThat(s.rejections()).extracting(Rejection::recipients)
                .containsExactly(List.of("bad@@x.example"), List.of("no-at-sign"));
        assertThat(s.rejections()).extracting(Rejection::reasonText)
                .containsExactly("malformed-address: bad@@x.example", "malformed-address: no-at-sign");
        assertThat(s.messageId()).isEqualTo("<m@example.com>");
    }

    @Test
    void aMalformedRecipientInRcptToIsRefusedAloneToo() {
        Submission s = read(MAIL, props("a@x.example, not an address, b@x.example", null));

        assertThat(batches(s)).isEqualTo("x.example=a@x.example,b@x.example");
        assertThat(s.rejections()).singleElement().satisfies(r -> {
            assertThat(r.reason()).isEqualTo(RejectReason.MALFORMED_ADDRESS);
            assertThat(r.recipients()).containsExactly("not an address");
            assertThat(r.reasonText()).isEqualTo("malformed-address: not an address");
        });
    }

    @Test
    void onlyMalformedRecipientsGiveNoDeliveries() {
        Submission s = read("From: s@example.com\r\nTo: a@@x.example\r\n\r\nbody\r\n", NONE);

        assertThat(s.batches()).isEmpty();
        assertThat(s.rejections()).extracting(Rejection::reasonText).containsExactly("malformed-address: a@@x.example");
    }

    /** Every code is distinct and kebab-case, as operators filter mail.invalid by its prefix. */
    @Test
    void reasonCodesAreDistinctKebabCase() {
        assertThat(RejectReason.values()).extracting(RejectReason::code)
                .doesNotHaveDuplicates()
                .allMatch(c -> c.matches("[a-z]+(-[a-z]+)*"));
        assertThat(new Rejection(RejectReason.OVERSIZE, "20480 bytes", List.of()).reasonText())
                .isEqualTo("oversize: 20480 bytes");
    }

    // ---- helpers ----

    private static void assertRefused(Submission s, String code) {
        assertThat(s.batches()).isEmpty();
        assertThat(s.rejections()).singleElement().satisfies(r -> {
            assertThat(r.reason().code()).isEqualTo(code);
            assertThat(r.reasonText()).startsWith(code + ": ");
            assertThat(r.recipients()).isEmpty();
        });
    }

    // ---- what one submission may be ----

    @Test
    void resentBccIsStrippedLikeBcc() {
        Submission s = read("From: s@example.com\r\nTo: b@example.org\r\nResent-Bcc: hidden@example.net,\r\n"
                + " other@example.net\r\nSubject: x\r\nMessage-ID: <1@x.test>\r\n\r\nResent-Bcc: body line\r\n", NONE);

        assertThat(new String(s.body(), StandardCharsets.US_ASCII))
                .isEqualTo("From: s@example.com\r\nTo: b@example.org\r\nSubject: x\r\nMessage-ID: <1@x.test>\r\n\r\nResent-Bcc: body line\r\n");
        assertThat(s.batches()).extracting(Submission.DomainBatch::domain).containsExactly("example.org");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        header line   | 2 | 0
        body line     | 5 | 1
        """)
    void aLineOver998OctetsIsRefusedNamingIt(String where, int lineNumber, int inBody) {
        String longLine = "x".repeat(999);
        String mail = inBody == 0
                ? "From: s@example.com\r\nX-Long: " + longLine + "\r\nTo: b@example.org\r\n\r\nHi.\r\n"
                : "From: s@example.com\r\nTo: b@example.org\r\n\r\nHi.\r\n" + longLine + "\r\n";

        Submission s = read(mail, NONE);

        int octets = inBody == 0 ? 999 + "X-Long: ".length() : 999;
        assertThat(s.batches()).isEmpty();
        assertThat(s.rejections()).singleElement().satisfies(r -> assertThat(r.reasonText())
                .isEqualTo("line-too-long: line " + lineNumber + " has " + octets
                        + " octets; RFC 5322 allows 998 (encode long lines, e.g. quoted-printable)"));
    }

    @Test
    void aLineOfExactly998OctetsPassesWithCrlfOrBareLf() {
        String line = "y".repeat(998);
        assertThat(read("From: s@example.com\r\nTo: b@example.org\r\n\r\n" + line + "\r\n", NONE).rejections()).isEmpty();
        assertThat(read("From: s@example.com\nTo: b@example.org\n\n" + line, NONE).rejections()).isEmpty();
    }

    @Test
    void moreRecipientsThanTheLimitRefuseTheWholeSubmission() {
        String rcpts = String.join(",", java.util.stream.IntStream.range(0, 6).mapToObj(i -> "r" + i + "@example.org").toList());

        Submission s = Submission.read(MAIL.getBytes(StandardCharsets.UTF_8), props(rcpts, null),
                new Submission.Limits(MAX, 5, Long.MAX_VALUE), VMTAS);

        assertThat(s.batches()).isEmpty();
        assertThat(s.rejections()).singleElement().satisfies(r -> assertThat(r.reasonText())
                .isEqualTo("too-many-recipients: 6 recipients exceeds max-rcpt-per-submission 5"));
    }

    @Test
    void fortyThousandRecipientsOfOneDomainAreDeduplicatedInOrder() {
        StringBuilder rcpts = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            rcpts.append("user").append(i % 20_000).append("@Example.ORG,");
        }

        Submission s = Submission.read(MAIL.getBytes(StandardCharsets.UTF_8), props(rcpts.toString(), null),
                new Submission.Limits(MAX, 40_000, Long.MAX_VALUE), VMTAS);

        assertThat(s.rejections()).isEmpty();
        assertThat(s.batches()).singleElement().satisfies(b -> {
            assertThat(b.recipients()).hasSize(20_000).doesNotHaveDuplicates();
            assertThat(b.recipients().get(0)).isEqualTo("user0@example.org");
            assertThat(b.recipients().get(19_999)).isEqualTo("user19999@example.org");
        });
    }

    @Test
    void sizeTimesDomainsOverTheFanoutLimitIsRefused() {
        byte[] raw = MAIL.getBytes(StandardCharsets.UTF_8);
        Submission.Limits limits = new Submission.Limits(MAX, 1000, raw.length * 3L - 1);

        Submission four = Submission.read(raw, NONE, limits, VMTAS); // example.org, .net, .com: 3 domains
        Submission one = Submission.read(raw, props("a@example.org,b@example.org", null), limits, VMTAS);

        assertThat(four.batches()).isEmpty();
        assertThat(four.rejections()).singleElement().satisfies(r -> assertThat(r.reasonText())
                .isEqualTo("fanout-too-large: " + raw.length + " bytes x 3 domains exceeds max-fanout-size "
                        + (raw.length * 3L - 1) + " (one queued copy per domain)"));
        assertThat(one.rejections()).isEmpty();
    }

    private static Submission read(String mail, Submission.Properties p) {
        return Submission.read(mail.getBytes(StandardCharsets.UTF_8), p, MAX, VMTAS);
    }

    private static Submission.Properties props(String rcptTo, String mailFrom) {
        return new Submission.Properties(rcptTo, mailFrom, null, null, null);
    }

    /** "x.example=a@x.example,c@x.example; y.example=b@y.example", in batch order. */
    private static String batches(Submission s) {
        return String.join("; ", s.batches().stream()
                .map(b -> b.domain() + "=" + String.join(",", b.recipients())).toList());
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** CSV cells cannot hold control characters, so the tables write \r, \n and \t. */
    private static String unescape(String s) {
        return s == null ? null : s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t");
    }

    private static List<String> messageIdFields(byte[] raw) {
        try {
            return HeaderBlock.scan(raw).all("Message-ID");
        } catch (MalformedMessageException e) {
            throw new AssertionError(e);
        }
    }
}
