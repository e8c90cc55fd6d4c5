package org.caravan.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressesTest {

    private static final String LOCAL_64 = "a".repeat(64);
    private static final String LOCAL_65 = "a".repeat(65);
    private static final String LABEL_63 = "d".repeat(63);
    private static final String LABEL_64 = "d".repeat(64);

    /** What RCPT TO may carry, and the form it is sent in: domain lowercased, local part as written. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
        user@example.com                  | user@example.com
        User.Name@Example.COM             | User.Name@example.com
        <user@example.com>                | user@example.com
        '  user@example.com  '            | user@example.com
        '< user@example.com >'            | user@example.com
        first.last+tag@example.co.uk      | first.last+tag@example.co.uk
        user@sub-domain.example.com       | user@sub-domain.example.com
        user@123.example                  | user@123.example
        user@xn--bcher-kva.example        | user@xn--bcher-kva.example
        "john doe"@example.com            | "john doe"@example.com
        "a@b"@example.com                 | "a@b"@example.com
        "a\\"b"@example.com               | "a\\"b"@example.com
        "a..b"@example.com                | "a..b"@example.com
        "a,x@evil.test,"@example.com      | "a,x@evil.test,"@example.com
        "x>,<y@evil.test"@example.com     | "x>,<y@evil.test"@example.com
        """)
    void acceptsValidAddresses(String address, String normalized) {
        assertThat(Addresses.normalize(address)).isEqualTo(normalized);
    }

    /** RFC 5321 4.1.2 allows commas and angle brackets in a quoted local part: one address, never split. */
    @Test
    void aQuotedLocalPartWithCommasIsOneEntryOfAList() {
        assertThat(Addresses.splitTopLevel("\"a,x@evil.test,\"@example.com, b@example.com"))
                .containsExactly("\"a,x@evil.test,\"@example.com", " b@example.com");
        assertThat(Addresses.fromHeader("Odd <\"x>,<y@evil.test\"@example.com>, \"a,b\"@example.com"))
                .containsExactly("\"x>,<y@evil.test\"@example.com", "\"a,b\"@example.com");
    }

    /** Every atext character of RFC 5322 may stand in a dot-atom local part. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"o'brien@example.com", "!#$%&*+/=?^_`{|}~-@example.com", "a|b@example.com"})
    void acceptsEveryAtextCharacter(String address) {
        assertThat(Addresses.normalize(address)).isEqualTo(address);
    }

    /** Address literals of RFC 5321 4.1.3: IPv4, and IPv6 with its tag (the tag is case-insensitive). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"user@[192.0.2.1]", "user@[255.255.255.255]", "user@[IPv6:2001:db8::1]",
        "user@[IPv6:::1]", "user@[IPv6:2001:db8:0:0:0:0:0:1]"})
    void acceptsAddressLiterals(String address) {
        assertThat(Addresses.normalize(address)).isEqualToIgnoringCase(address);
    }

    @Test
    void acceptsTheLongestLocalPartAndLabel() {
        assertThat(Addresses.normalize(LOCAL_64 + "@example.com")).isEqualTo(LOCAL_64 + "@example.com");
        assertThat(Addresses.normalize("u@" + LABEL_63 + ".com")).isEqualTo("u@" + LABEL_63 + ".com");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "",
        "   ",
        "user",
        "user@",
        "@example.com",
        "user@localhost",
        "user@example",
        "user@@example.com",
        "us er@example.com",
        "user@exa mple.com",
        "user..name@example.com",
        ".user@example.com",
        "user.@example.com",
        "user@example..com",
        "user@.example.com",
        "user@example.com.",
        "user@-example.com",
        "user@example-.com",
        "user@exa_mple.com",
        "user@example.com>",
        "<user@example.com",
        "Alice <user@example.com>",
        "user@example.com, other@example.com",
        "\"unterminated@example.com",
        "\"a\"b\"@example.com",
        "jos\u00e9@example.com",
        "user@b\u00fccher.example",
        "user@[192.0.2]",
        "user@[300.0.2.1]",
        "user@[example.com]",
        "user@[IPv6:not-an-address]",
        "user@example.com\r\nRCPT TO:<x@example.com>",
    })
    void rejectsInvalidAddresses(String address) {
        assertThat(Addresses.normalize(address)).isNull();
    }

    @Test
    void rejectsA65CharacterLocalPartAndA64CharacterLabel() {
        assertThat(Addresses.normalize(LOCAL_65 + "@example.com")).isNull();
        assertThat(Addresses.normalize("u@" + LABEL_64 + ".com")).isNull();
    }

    @Test
    void rejectsADomainLongerThan253Characters() {
        String domain = (LABEL_63 + ".").repeat(4) + "com"; // 4 * 64 + 3 = 259
        assertThat(Addresses.normalize("u@" + domain)).isNull();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
        user@example.com        | example.com
        "a@b"@example.org       | example.org
        user@[192.0.2.1]        | [192.0.2.1]
        """)
    void domainIsAfterTheLastAt(String normalized, String domain) {
        assertThat(Addresses.domainOf(normalized)).isEqualTo(domain);
    }

    /** To/Cc/Bcc values as mail clients write them -> the addr-specs in order, groups expanded. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
        a@example.com                                                  | a@example.com
        Alice <a@example.com>                                          | a@example.com
        "Doe, John" <john@example.com>, b@example.org                  | john@example.com,b@example.org
        a@example.com (Alice, at work), b@example.org                  | a@example.com,b@example.org
        Team: a@example.com, Bob <b@example.org>;                      | a@example.com,b@example.org
        Team: a@example.com;, c@example.net                            | a@example.com,c@example.net
        undisclosed-recipients:;                                       | ''
        ''                                                             | ''
        """)
    void readsAddressListHeaders(String header, String expected) {
        List<String> want = expected.isEmpty() ? List.of() : List.of(expected.split(","));
        assertThat(Addresses.fromHeader(header)).containsExactlyElementsOf(want);
    }

    @Test
    void anUnparseableEntryComesBackAloneSoOnlyItIsRejected() {
        List<String> got = Addresses.fromHeader("a@example.com, <broken@example.com, c@example.net");

        assertThat(got).contains("a@example.com", "c@example.net");
        assertThat(got.stream().filter(a -> Addresses.normalize(a) == null).toList())
                .singleElement().asString().contains("broken@example.com");
    }

    @Test
    void aMalformedAddressAmongGoodOnesIsKeptForRejection() {
        List<String> got = Addresses.fromHeader("a@example.com, bad@@example.com, c@example.net");

        assertThat(got).containsExactly("a@example.com", "bad@@example.com", "c@example.net");
        assertThat(got.stream().map(Addresses::normalize).toList())
                .containsExactly("a@example.com", null, "c@example.net");
    }

    /** The rcptTo property: commas inside quotes, angle brackets and comments do not split. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
        a@example.com                                 | a@example.com
        a@example.com,b@example.org                   | a@example.com;b@example.org
        ' a@example.com , b@example.org '             | ' a@example.com ; b@example.org '
        a@example.com,,b@example.org,                 | a@example.com;b@example.org
        "x,y"@example.com,b@example.org               | "x,y"@example.com;b@example.org
        <a@example.com>,<b@example.org>               | <a@example.com>;<b@example.org>
        a@example.com (c, d),b@example.org            | a@example.com (c, d);b@example.org
        ''                                            | ''
        """)
    void splitsAtTopLevelCommas(String value, String expected) {
        List<String> want = expected.isEmpty() ? List.of() : List.of(expected.split(";"));
        assertThat(Addresses.splitTopLevel(value)).containsExactlyElementsOf(want);
    }
}
