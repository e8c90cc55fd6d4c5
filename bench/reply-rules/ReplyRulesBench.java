import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.caravan.config.Catalogue;
import org.caravan.config.ReplyRule;
import org.caravan.config.RetrySchedule;
import org.caravan.delivery.ReplyPolicy;
import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.SmtpStage;

/**
 * What deciding a reply costs with the shipped catalogue: each provider's rules (then default's)
 * against every reply text of src/test/resources/catalogue-cases.csv, round after round, timing
 * batches of decisions. Prints ns per decision (p50, p99 of the batches) per provider.
 */
public class ReplyRulesBench {

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Catalogue catalogue = Catalogue.load(root.resolve("config/catalogue.yaml"));
        List<String[]> cases = new ArrayList<>();
        for (String line : Files.readAllLines(root.resolve("src/test/resources/catalogue-cases.csv")).subList(1, 0 + Files.readAllLines(root.resolve("src/test/resources/catalogue-cases.csv")).size())) {
            int q = line.indexOf(",\"");
            int end = line.indexOf("\",", q + 2);
            if (q < 0 || end < 0) {
                continue;
            }
            cases.add(new String[] {line.substring(0, line.indexOf(',')), line.substring(q + 2, end)});
        }
        RetrySchedule retry = new RetrySchedule(List.of(java.time.Duration.ofMinutes(10)), java.time.Duration.ofHours(1),
                100, java.time.Duration.ofDays(4));
        System.out.printf("%d reply texts; %d rounds%n", cases.size(), rounds);
        for (String provider : catalogue.providerNames()) {
            List<ReplyRule> rules = new ArrayList<>(catalogue.provider(provider));
            if (!provider.equals("default")) {
                rules.addAll(catalogue.provider("default"));
            }
            ReplyPolicy policy = new ReplyPolicy(rules);
            SmtpReply[] replies = cases.stream().map(c -> SmtpReply.parse(Integer.parseInt(c[1].substring(0, 3)), c[1]))
                    .toArray(SmtpReply[]::new);
            long[] batches = new long[rounds];
            long sink = 0;
            for (int r = -rounds / 5; r < rounds; r++) { // the first fifth warms up, untimed
                long start = System.nanoTime();
                for (SmtpReply reply : replies) {
                    sink += policy.decide(reply, SmtpStage.RCPT, 1, retry, 0, 0).verdict().ordinal();
                }
                if (r >= 0) {
                    batches[r] = (System.nanoTime() - start) / replies.length;
                }
            }
            Arrays.sort(batches);
            System.out.printf("%-10s %3d rules: p50 %,d ns/decision, p99 %,d ns (sink %d)%n", provider, rules.size(),
                    batches[rounds / 2], batches[rounds * 99 / 100], sink % 7);
        }
    }
}
