package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.caravan.routing.NextHop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MtaConfigLoaderTest {

    private static final Path FILE = Path.of("config/mta.yaml");

    private static final String GMAIL_AND_DEFAULT = """
            domain-policies:
              gmail:
                match: [gmail.com, googlemail.com]
                max-smtp-out: 20
                max-msg-rate: 2000/h
                retry-after: [10m, 20m, 1h]
                backoff:
                  patterns: ["421-4.7.28"]
              default:
                max-smtp-out: 10
                max-msg-rate: 100/s
                max-conn-rate: 30/m
                backoff-retry: 30m
                route: 127.0.0.1:2601
            """;

    @Test
    void policiesInheritFromDefaultWhichInheritsFromBuiltIns() {
        MtaConfig config = MtaConfigLoader.parse(GMAIL_AND_DEFAULT, FILE);
        DomainPolicy gmail = config.policy("gmail");
        DomainPolicy dflt = config.defaultPolicy();

        assertThat(config.policies().keySet()).containsExactly("gmail", "default");
        assertThat(gmail.match()).containsExactly("gmail.com", "googlemail.com");
        assertThat(gmail.maxSmtpOut()).isEqualTo(20);
        assertThat(gmail.maxMsgRate()).isEqualTo(Rate.parse("2000/h"));
        assertThat(gmail.maxConnRate()).isEqualTo(Rate.parse("30/m"));           // from default
        assertThat(gmail.retry().backoffRetry()).isEqualTo(Duration.ofMinutes(30)); // from default
        assertThat(gmail.retry().retryAfter()).containsExactly(Duration.ofMinutes(10), Duration.ofMinutes(20),
                Duration.ofHours(1));
        assertThat(gmail.route()).isEqualTo(new NextHop("127.0.0.1", 2601));       // from default
        assertThat(gmail.maxMsgPerConnection()).isEqualTo(Defaults.MAX_MSG_PER_CONNECTION);
        assertThat(gmail.readTimeout()).isEqualTo(Defaults.READ_TIMEOUT);

        assertThat(dflt.match()).containsExactly("*");
        assertThat(dflt.maxSmtpOut()).isEqualTo(10);
        assertThat(dflt.retry().maxRetries()).isEqualTo(Defaults.MAX_RETRIES);
        assertThat(dflt.retry().bounceAfter()).isEqualTo(Duration.ofHours(108));
        assertThat(dflt.backoff()).isSameAs(BackoffMode.NONE);
    }

    @Test
    void backoffDefaultsToATenthOfThePolicyRateAndAnHour() {
        BackoffMode backoff = MtaConfigLoader.parse(GMAIL_AND_DEFAULT, FILE).policy("gmail").backoff();
        assertThat(backoff.patterns()).containsExactly("421-4.7.28");
        assertThat(backoff.maxMsgRate()).isEqualTo(Rate.parse("200/h"));
        assertThat(backoff.toNormalAfter()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void anInheritedBackoffBlockScalesWithTheInheritingPolicy() {
        MtaConfig config = MtaConfigLoader.parse("""
                domain-policies:
                  default:
                    max-msg-rate: 100/s
                    backoff: {patterns: ["421 4.7.0"], to-normal-after: 2h}
                  slow:
                    match: [slow.example]
                    max-msg-rate: 5/m
                """, FILE);
        assertThat(config.defaultPolicy().backoff().maxMsgRate()).isEqualTo(Rate.parse("10/s"));
        BackoffMode slow = config.policy("slow").backoff();
        assertThat(slow.patterns()).containsExactly("421 4.7.0");
        assertThat(slow.maxMsgRate()).isEqualTo(Rate.parse("1/m"));
        assertThat(slow.toNormalAfter()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void emptyConfigHasTheBuiltInDefaultPolicyAndVmta() {
        MtaConfig config = MtaConfigLoader.parse("", FILE);
        assertThat(config.defaultPolicy()).isEqualTo(Defaults.policy());
        assertThat(config.virtualMtas()).containsOnlyKeys("default");
        assertThat(config.hasVmta("default")).isTrue();
        assertThat(config.hasVmta("other")).isFalse();
        assertThat(config.maxMessageSize()).isEqualTo(50L * 1024 * 1024);
        assertThat(config.maxRcptPerSubmission()).isEqualTo(1000);
        assertThat(config.maxFanoutSize()).isEqualTo(100L << 20);
        assertThat(config.source()).isEqualTo(FILE);
    }

    @Test
    void submissionLimitsAreTopLevelKeys() {
        MtaConfig config = MtaConfigLoader.parse("max-rcpt-per-submission: 50000\nmax-fanout-size: 2G\n", FILE);
        assertThat(config.maxRcptPerSubmission()).isEqualTo(50_000);
        assertThat(config.maxFanoutSize()).isEqualTo(2L << 30);
    }

    @Test
    void virtualMtasKeepFileOrderAndGetADefault() {
        MtaConfig config = MtaConfigLoader.parse("""
                max-message-size: 20MB
                virtual-mtas:
                  pool-a: {smtp-source-host: 192.0.2.10, ehlo: mta1.example.com}
                  pool-b:
                    smtp-source-host: "2001:db8::10"
                """, FILE);
        assertThat(config.virtualMtas().keySet()).containsExactly("default", "pool-a", "pool-b");
        assertThat(config.virtualMtas().get("pool-a")).isEqualTo(
                new VirtualMta("pool-a", "192.0.2.10", "mta1.example.com"));
        assertThat(config.virtualMtas().get("pool-b").ehlo()).isNull();
        assertThat(config.maxMessageSize()).isEqualTo(20L << 20);
        assertThatThrownBy(() -> config.virtualMtas().put("x", null)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void unknownKeyNamesPathFileAndLine() {
        String yaml = """
                domain-policies:
                  gmail:
                    match: [gmail.com]
                    max-msg-rte: 20/s
                """;
        assertThatThrownBy(() -> MtaConfigLoader.parse(yaml, FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config/mta.yaml:4: domain-policies.gmail.max-msg-rte: unknown key")
                .hasMessageContaining("max-msg-rate");
    }

    @Test
    void badRateIsOneLineWithFileLineAndPath() {
        String yaml = """
                domain-policies:
                  gmail:
                    match: [gmail.com]
                    max-msg-rate: 20/x
                """;
        assertThatThrownBy(() -> MtaConfigLoader.parse(yaml, FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config/mta.yaml:4: domain-policies.gmail.max-msg-rate: bad rate '20/x'"
                        + " (expected N/s, N/m, N/h or N/d, or 'unlimited')");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        # what                  | yaml (\\n = new line)                                                        | expected message
        duplicate match         | domain-policies:\\n  a:\\n    match: [x.com]\\n  b:\\n    match: [y.com, x.com] | config/mta.yaml:5: domain-policies.b.match[1]: match entry 'x.com' is in both policy 'a' and policy 'b'
        match listed twice      | domain-policies:\\n  a:\\n    match: [x.com, x.com]                           | config/mta.yaml:3: domain-policies.a.match[1]: match entry 'x.com' is listed twice
        star outside default    | domain-policies:\\n  a:\\n    match: '*'                                      | config/mta.yaml:3: domain-policies.a.match: match entry '*' is in both policy 'default' and policy 'a'
        upper-case match        | domain-policies:\\n  a:\\n    match: [Gmail.com]                              | config/mta.yaml:3: domain-policies.a.match[0]: match entry 'Gmail.com' must be lower-case
        bad policy name         | domain-policies:\\n  Gmail:\\n    match: [gmail.com]                          | config/mta.yaml:2: domain-policies.Gmail: bad name 'Gmail' (expected [a-z0-9][a-z0-9_-]*: it becomes part of the queue name mail.deliver.<vmta>.<policy>)
        bad vmta name           | virtual-mtas:\\n  pool.a: {}                                                | config/mta.yaml:2: virtual-mtas.pool.a: bad name 'pool.a' (expected [a-z0-9][a-z0-9_-]*: it becomes part of the queue name mail.deliver.<vmta>.<policy>)
        no match                | domain-policies:\\n  a:\\n    max-smtp-out: 3                                 | config/mta.yaml:2: domain-policies.a: policy has no 'match' list (only the 'default' policy may omit it)
        default with match      | domain-policies:\\n  default:\\n    match: [x.com]                            | config/mta.yaml:3: domain-policies.default.match: the default policy matches every domain ('*') and may not declare match
        duplicate key           | domain-policies:\\n  default:\\n    max-smtp-out: 3\\n    max-smtp-out: 4     | config/mta.yaml:4: domain-policies.default.max-smtp-out: duplicate key (first at line 3)
        duplicate policy        | domain-policies:\\n  a: {match: [a.com]}\\n  a: {match: [b.com]}              | config/mta.yaml:3: domain-policies.a: duplicate key (first at line 2)
        list for scalar         | domain-policies:\\n  default:\\n    max-smtp-out: [1, 2]                      | config/mta.yaml:3: domain-policies.default.max-smtp-out: expected a single value, got a list
        mapping for list        | domain-policies:\\n  default:\\n    retry-after: {a: 1}                       | config/mta.yaml:3: domain-policies.default.retry-after: expected a single value, got a mapping
        missing value           | domain-policies:\\n  default:\\n    max-msg-rate:                             | config/mta.yaml:3: domain-policies.default.max-msg-rate: missing value
        zero smtp-out           | domain-policies:\\n  default:\\n    max-smtp-out: 0                           | config/mta.yaml:3: domain-policies.default.max-smtp-out: expected a positive whole number, got '0'
        negative retries        | domain-policies:\\n  default:\\n    max-retries: -1                           | config/mta.yaml:3: domain-policies.default.max-retries: expected a whole number, got '-1'
        bad duration in list    | domain-policies:\\n  default:\\n    retry-after:\\n      - 10m\\n      - 1x   | config/mta.yaml:5: domain-policies.default.retry-after[1]: bad duration '1x' (expected e.g. 30s, 10m, 1h, 4d12h, 500ms or plain seconds)
        zero duration           | domain-policies:\\n  default:\\n    idle-timeout: 0s                          | config/mta.yaml:3: domain-policies.default.idle-timeout: duration must be more than zero, got '0s'
        unknown catalogue       | domain-policies:\\n  default:\\n    catalogue: hotmale                         | config/mta.yaml:3: domain-policies.default.catalogue: no provider 'hotmale' in the reply catalogue (it has gmail, yahoo, microsoft, office365, icloud, default)
        bad reply-rule regex    | domain-policies:\\n  default:\\n    reply-rules:\\n      - {match: '(4', action: backoff} | config/mta.yaml:4: domain-policies.default.reply-rules[0].match: not a Java regex: Unclosed group
        unknown backoff key     | domain-policies:\\n  default:\\n    backoff: {patterns: [x], rate: 1/s}      | config/mta.yaml:3: domain-policies.default.backoff.rate: unknown key (expected one of: patterns, max-msg-rate, to-normal-after, max-smtp-out, max-conn-rate, to-normal-after-deliveries)
        bad route               | domain-policies:\\n  default:\\n    route: 'host:99999'                       | config/mta.yaml:3: domain-policies.default.route: bad route 'host:99999': port out of range in next hop host:99999 (expected host:port, e.g. 127.0.0.1:2525)
        bad source ip           | virtual-mtas:\\n  a:\\n    smtp-source-host: mta.example.com                  | config/mta.yaml:3: virtual-mtas.a.smtp-source-host: bad IP address 'mta.example.com' (expected e.g. 192.0.2.10 or 2001:db8::10)
        zero rcpt limit         | max-rcpt-per-submission: 0                                                  | config/mta.yaml:1: max-rcpt-per-submission: expected a positive whole number, got '0'
        bad fanout size         | max-fanout-size: lots                                                       | config/mta.yaml:1: max-fanout-size: bad size 'lots' (expected e.g. 50MB, 512K, 1G or plain bytes)
        bad size                | max-message-size: 50 parsecs                                                | config/mta.yaml:1: max-message-size: bad size '50 parsecs' (expected e.g. 50MB, 512K, 1G or plain bytes)
        unknown top-level key   | domain-policy: {}                                                           | config/mta.yaml:1: domain-policy: unknown key (expected one of: max-message-size, max-rcpt-per-submission, max-fanout-size, virtual-mtas, domain-policies, virtual-mta-pools, dkim, suppression, warm-up, priority)
        top level is a list     | - a                                                                         | config/mta.yaml:1: (top level): expected a mapping (key: value lines), got a list
        policies is a list      | domain-policies: [a, b]                                                     | config/mta.yaml:1: domain-policies: expected a mapping (key: value lines), got a list
        yaml syntax             | domain-policies:\\n  a: [x\\n                                                | config/mta.yaml:3: bad YAML: expected ',' or ']', but got <stream end>
        """)
    void rejectsWithOneLineNamingFileLineAndKey(String what, String yaml, String expected) {
        assertThatThrownBy(() -> MtaConfigLoader.parse(yaml.replace("\\n", "\n"), FILE))
                .isInstanceOf(ConfigException.class)
                .hasMessage(expected);
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> MtaConfigLoader.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": no such file");
    }

    @Test
    void loadsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mta.yaml");
        Files.writeString(file, "domain-policies:\n  default:\n    max-smtp-out: 7\n");
        assertThat(MtaConfigLoader.load(file).defaultPolicy().maxSmtpOut()).isEqualTo(7);

        Files.writeString(file, "domain-policies:\n  default:\n    max-smtp-out: many\n");
        assertThatThrownBy(() -> MtaConfigLoader.load(file))
                .hasMessageStartingWith(file + ":3: domain-policies.default.max-smtp-out: ");
    }

    @Test
    void policyLookupIsStrict() {
        MtaConfig config = MtaConfigLoader.parse(GMAIL_AND_DEFAULT, FILE);
        assertThatThrownBy(() -> config.policy("yahoo")).isInstanceOf(IllegalArgumentException.class);
        assertThat(config.policies().get("gmail").match()).isEqualTo(List.of("gmail.com", "googlemail.com"));
    }
}
