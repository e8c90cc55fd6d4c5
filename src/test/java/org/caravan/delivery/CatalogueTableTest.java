package org.caravan.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.caravan.config.Catalogue;
import org.caravan.config.ReplyRule;
import org.caravan.config.RetrySchedule;
import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.SmtpStage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each row of catalogue-cases.csv against the rules config/catalogue.yaml gives its provider (then default's). */
class CatalogueTableTest {

    private static final Catalogue CATALOGUE = Catalogue.load(Path.of("config", Catalogue.FILE));
    private static final RetrySchedule SCHEDULE = new RetrySchedule(
            List.of(Duration.ofMinutes(10)), Duration.ofHours(1), 3, Duration.ofDays(4));

    static Stream<Arguments> cases() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/catalogue-cases.csv"), StandardCharsets.UTF_8);
        List<Arguments> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                out.add(Arguments.of(csv(line).toArray()));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} \"{2}\" -> {3} {4} {5}")
    @MethodSource("cases")
    void replyMeansWhatTheCatalogueSays(String provider, String stage, String reply, String verdict, String category,
            String action) {
        assertThat(CATALOGUE.provider(provider)).as("provider %s in the catalogue", provider).isNotNull();
        List<ReplyRule> rules = new ArrayList<>(CATALOGUE.provider(provider));
        if (!provider.equals("default") && CATALOGUE.provider("default") != null) {
            rules.addAll(CATALOGUE.provider("default"));
        }
        SmtpStage at = SmtpStage.ofYaml(stage);
        assertThat(at).as("stage %s", stage).isNotNull();
        long now = 1_700_000_000_000L;
        ReplyPolicy.Decision d = new ReplyPolicy(rules)
                .decide(SmtpReply.parse(Integer.parseInt(reply.substring(0, 3)), reply), at, 1, SCHEDULE, now, now);
        assertThat(d.verdict().name().toLowerCase(Locale.ROOT)).isEqualTo(verdict);
        if (category.isEmpty()) {
            // no category named: no rule may set one (the classifier's own, if any, stands)
            assertThat(d.rule() == null ? null : d.rule().category()).isNull();
        } else {
            assertThat(d.category()).isNotNull();
            assertThat(d.category().label()).isEqualTo(category);
        }
        assertThat(d.action().yamlName()).isEqualTo(action);
    }

    /** One CSV line: fields split on commas outside double quotes, "" inside quotes for a quote. */
    private static List<String> csv(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                f.append('"');
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                fields.add(f.toString());
                f.setLength(0);
            } else {
                f.append(c);
            }
        }
        fields.add(f.toString());
        return fields;
    }
}
