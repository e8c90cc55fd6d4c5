package org.caravan.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderBlockTest {

    private static final String MESSAGE = """
            From: Alice <alice@example.com>\r
            To: bob@example.org,\r
            \tcarol@example.org\r
            Subject: folded\r
              over two lines\r
            Received: from a\r
            Received: from b\r
            Bcc: hidden@example.net\r
            \r
            From: not a header, the body\r
            Bcc: body@example.net\r
            """;

    /** Field lookups: first value, case-insensitive, unfolded and trimmed; null when absent. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        From      | Alice <alice@example.com>
        from      | Alice <alice@example.com>
        TO        | bob@example.org,\tcarol@example.org
        Subject   | folded  over two lines
        Received  | from a
        Bcc       | hidden@example.net
        Cc        | NULL
        Sub       | NULL
        """)
    void findsTheFirstFieldOfAName(String name, String value) throws Exception {
        HeaderBlock h = HeaderBlock.scan(bytes(MESSAGE));

        assertThat(h.first(name)).isEqualTo(value);
        assertThat(h.has(name)).isEqualTo(value != null);
    }

    @Test
    void listsEveryFieldOfAName() throws Exception {
        HeaderBlock h = HeaderBlock.scan(bytes(MESSAGE));

        assertThat(h.all("received")).containsExactly("from a", "from b");
        assertThat(h.all("X-None")).isEmpty();
    }

    @Test
    void stopsAtTheBlankLine() throws Exception {
        HeaderBlock h = HeaderBlock.scan(bytes(MESSAGE));

        assertThat(h.all("From")).containsExactly("Alice <alice@example.com>");
        assertThat(h.all("Bcc")).containsExactly("hidden@example.net");
    }

    @Test
    void acceptsBareLineFeeds() throws Exception {
        HeaderBlock h = HeaderBlock.scan(bytes("From: a@example.com\nSubject: one\n two\n\nbody\n"));

        assertThat(h.first("From")).isEqualTo("a@example.com");
        assertThat(h.first("Subject")).isEqualTo("one two");
    }

    @ParameterizedTest(name = "[{index}]")
    @ValueSource(strings = {"Subject: s", "Subject: s\r\n", "Subject: s\n", "Subject: s\r\n\r\n"})
    void aHeaderWithoutBodyIsAMessage(String raw) throws Exception {
        assertThat(HeaderBlock.scan(bytes(raw)).first("Subject")).isEqualTo("s");
    }

    @Test
    void aFieldNameMayHoldAnyPrintableCharacterButColon() throws Exception {
        HeaderBlock h = HeaderBlock.scan(bytes("X-Weird_Name.1!~: v\r\nEmpty:\r\n\r\n"));

        assertThat(h.first("X-Weird_Name.1!~")).isEqualTo("v");
        assertThat(h.first("Empty")).isEmpty();
        assertThat(h.has("Empty")).isTrue();
    }

    /** Not mail: the reason says what is wrong, so a sender can act on it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        no header at all                    | unparseable body: does not start with a header field
        '\\r\\nbody after a blank line'   | unparseable body: no header fields
        '\\nbody after a bare LF'          | unparseable body: no header fields
        ' From: folded first line'          | unparseable body: does not start with a header field
        ': no name'                         | unparseable body: does not start with a header field
        'Sub ject: space in name'           | unparseable body: does not start with a header field
        'From: a@example.com\\r\\nnot a field\\r\\n\\r\\n' | malformed header line at byte 21
        """)
    void rejectsWhatIsNotAHeaderBlock(String raw, String reason) {
        assertThatThrownBy(() -> HeaderBlock.scan(bytes(unescape(raw))))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessage(reason);
    }

    @Test
    void rejectsBinaryGarbage() {
        byte[] garbage = {0x00, (byte) 0xff, 0x13, 0x37, (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0};

        assertThatThrownBy(() -> HeaderBlock.scan(garbage))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageStartingWith("unparseable body");
    }

    @Test
    void rejectsAnEmptyArray() {
        assertThatThrownBy(() -> HeaderBlock.scan(new byte[0]))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessage("unparseable body: no header fields");
    }

    @Test
    void rejectsAHeaderBlockOverOneMegabyte() {
        String line = "X-Pad: " + "p".repeat(990) + "\r\n";
        String raw = "From: a@example.com\r\n" + line.repeat(HeaderBlock.MAX_HEADER_BYTES / line.length() + 2) + "\r\nbody\r\n";

        assertThatThrownBy(() -> HeaderBlock.scan(bytes(raw)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("header block larger than");
    }

    @Test
    void withoutRemovesTheFieldWithItsFoldedLinesAndNothingElse() throws Exception {
        String raw = "From: a@example.com\r\n"
                + "Bcc: one@example.com,\r\n"
                + "  two@example.com\r\n"
                + "\tthree@example.com\r\n"
                + "To: b@example.com\r\n"
                + "BCC: four@example.com\r\n"
                + "Bcc-Note: stays\r\n"
                + "\r\n"
                + "Bcc: in the body stays\r\n";

        byte[] stripped = HeaderBlock.scan(bytes(raw)).without("Bcc");

        assertThat(new String(stripped, StandardCharsets.UTF_8)).isEqualTo("From: a@example.com\r\n"
                + "To: b@example.com\r\n"
                + "Bcc-Note: stays\r\n"
                + "\r\n"
                + "Bcc: in the body stays\r\n");
    }

    @Test
    void withoutRemovesALastFieldWithNoBody() throws Exception {
        byte[] stripped = HeaderBlock.scan(bytes("To: b@example.com\nBcc: x@example.com")).without("bcc");

        assertThat(new String(stripped, StandardCharsets.UTF_8)).isEqualTo("To: b@example.com\n");
    }

    @Test
    void withoutKeepsTheSameBytesWhenTheFieldIsAbsent() throws Exception {
        byte[] raw = bytes("To: b@example.com\r\n\r\n\u00e9t\u00e9 \u2603\r\n");

        assertThat(HeaderBlock.scan(raw).without("Bcc")).isSameAs(raw);
    }

    @Test
    void withoutLeavesEightBitBodyBytesAlone() throws Exception {
        byte[] raw = bytes("Bcc: x@example.com\r\nTo: b@example.com\r\n\r\n\u00e9t\u00e9 \u2603\r\n..dots\r\n");

        assertThat(HeaderBlock.scan(raw).without("Bcc"))
                .isEqualTo(bytes("To: b@example.com\r\n\r\n\u00e9t\u00e9 \u2603\r\n..dots\r\n"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource({
        "'Subject: a\\r\\nBcc: b\\r\\n\\r\\nbody\\r\\n', -1",
        "'Subject: a\\nBcc: b\\n\\nbody\\n', -1",
        "'Subject: a\\rBcc: x@evil.test\\r\\n\\r\\n', 10",
        "'Subject: a\\r\\n\\r\\nbody\\r', 18",
    })
    void findsBareCarriageReturns(String message, int at) {
        HeaderBlock.TextFault fault = HeaderBlock.firstFault(bytes(unescape(message)));
        assertThat(fault == null ? -1 : fault.illegalAt()).isEqualTo(at);
    }

    @Test
    void findsNulBytes() {
        assertThat(HeaderBlock.firstFault(new byte[] {'S', ':', ' ', 0, '\n'}).illegalAt()).isEqualTo(3);
    }

    @Test
    void anIllegalByteAfterALongLineIsWhatIsReported() {
        byte[] raw = ("A: b\r\n\r\n" + "c".repeat(1000) + "\r\nx\0y\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(HeaderBlock.firstFault(raw).illegalAt()).isEqualTo(raw.length - 4);
    }

    @Test
    void acceptsTheObsoleteSpaceBeforeTheColon() throws Exception {
        HeaderBlock h = HeaderBlock.scan(bytes("Subject : hello\r\nTo: a@example.org\r\n\r\n"));
        assertThat(h.first("Subject")).isEqualTo("hello");
        assertThat(h.first("To")).isEqualTo("a@example.org");
    }

    /** CSV cells cannot hold line breaks, so the table writes them as \r and \n. */
    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', textBlock = """
        crlf          | A: b\\r\\nC: d\\r\\n\\r\\nbody | 14
        bare lf       | A: b\\nC: d\\n\\nbody         | 11
        lf then crlf  | A: b\\n\\r\\nbody              | 7
        no blank line | A: b\\r\\nC: d\\r\\n         | -1
        """)
    void headerEndIsJustPastTheBlankLine(String what, String raw, int expected) {
        byte[] bytes = raw.replace("\\r", "\r").replace("\\n", "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        org.assertj.core.api.Assertions.assertThat(HeaderBlock.headerEnd(bytes, 0, bytes.length)).isEqualTo(expected);
    }

    @Test
    void theFirstLineOver998OctetsIsNamedByNumberAndLength() {
        String ok = "a".repeat(998);
        byte[] raw = ("A: b\r\n\r\n" + ok + "\r\n" + ok + "\n" + "c".repeat(1000) + "\r\n" + "d".repeat(2000))
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        assertThat(HeaderBlock.firstFault(raw)).isEqualTo(new HeaderBlock.TextFault(-1, 5, 1000));
        assertThat(HeaderBlock.firstFault(("A: b\r\n\r\n" + ok).getBytes())).isNull();
        assertThat(HeaderBlock.firstFault(("A: b\r\n\r\n" + "e".repeat(999)).getBytes()))
                .isEqualTo(new HeaderBlock.TextFault(-1, 3, 999));
    }
}
