package org.caravan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class DomainRankingTest {

    @Test
    void theFirstDomainsTakeTheFreePlacesAndTheRestCountAsOther() {
        DomainRanking ranking = new DomainRanking(2, 100);
        assertThat(ranking.count("gmail.com")).isEqualTo("gmail.com");
        assertThat(ranking.count("yahoo.com")).isEqualTo("yahoo.com");
        assertThat(ranking.count("small.example")).isEqualTo("other");
        assertThat(ranking.count("gmail.com")).isEqualTo("gmail.com");
        assertThat(ranking.labeled()).containsExactlyInAnyOrder("gmail.com", "yahoo.com");
    }

    @Test
    void atTheEndOfAPeriodThePlacesGoToItsBusiestDomains() {
        DomainRanking ranking = new DomainRanking(2, 100);
        count(ranking, "early.example", 1);
        count(ranking, "gmail.com", 1);
        count(ranking, "outlook.com", 5); // arrived when the places were taken
        count(ranking, "gmail.com", 9);
        assertThat(ranking.count("outlook.com")).isEqualTo("other");

        List<String> lost = ranking.endPeriod();

        assertThat(lost).containsExactly("early.example");
        assertThat(ranking.labeled()).containsExactlyInAnyOrder("gmail.com", "outlook.com");
        assertThat(ranking.count("outlook.com")).isEqualTo("outlook.com");
        assertThat(ranking.count("early.example")).as("lost its place").isEqualTo("other");
    }

    @Test
    void onATieTheDomainThatHasAPlaceKeepsIt() {
        DomainRanking ranking = new DomainRanking(1, 100);
        count(ranking, "incumbent.example", 3);
        count(ranking, "challenger.example", 3);

        assertThat(ranking.endPeriod()).isEmpty();
        assertThat(ranking.labeled()).containsExactly("incumbent.example");

        count(ranking, "challenger.example", 4);
        count(ranking, "incumbent.example", 3);
        assertThat(ranking.endPeriod()).containsExactly("incumbent.example");
        assertThat(ranking.labeled()).containsExactly("challenger.example");
    }

    @Test
    void aQuietPeriodTakesNoPlaceAway() {
        DomainRanking ranking = new DomainRanking(3, 100);
        count(ranking, "a.example", 2);
        count(ranking, "b.example", 2);
        count(ranking, "c.example", 2);
        assertThat(ranking.endPeriod()).isEmpty();

        count(ranking, "b.example", 1); // only one domain had mail in this period
        assertThat(ranking.endPeriod()).as("nobody busier wanted a place").isEmpty();
        assertThat(ranking.labeled()).containsExactlyInAnyOrder("a.example", "b.example", "c.example");

        count(ranking, "d.example", 1);
        count(ranking, "e.example", 1);
        assertThat(ranking.endPeriod()).as("the newcomers take two places; b, the busiest before, keeps the third")
                .containsExactly("a.example", "c.example");
        assertThat(ranking.labeled()).containsExactlyInAnyOrder("d.example", "e.example", "b.example");
    }

    @Test
    void neverMoreSeriesThanPlacesWhateverTheMailing() {
        DomainRanking ranking = new DomainRanking(5, 50);
        for (int period = 0; period < 4; period++) {
            for (int d = 0; d < 10_000; d++) {
                String label = ranking.count("d" + ((d * 7919 + period) % 3000) + ".example");
                assertThat(label.equals("other") || ranking.labeled().contains(label)).isTrue();
            }
            ranking.endPeriod();
            assertThat(ranking.labeled()).hasSizeLessThanOrEqualTo(5);
        }
    }

    @Test
    void noPlacesMeansEverythingIsOther() {
        DomainRanking ranking = new DomainRanking(0, 10);
        assertThat(ranking.count("gmail.com")).isEqualTo("other");
        assertThat(ranking.endPeriod()).isEmpty();
        assertThat(ranking.labeled()).isEmpty();
    }

    @Test
    void aDomainCalledOtherNeverTakesAPlace() {
        DomainRanking ranking = new DomainRanking(2, 10);
        count(ranking, "other", 10);
        assertThat(ranking.labeled()).isEmpty();
        ranking.endPeriod();
        assertThat(ranking.labeled()).isEmpty();
    }

    @Test
    void aRankingMustCountAtLeastItsPlaces() {
        assertThatThrownBy(() -> new DomainRanking(10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DomainRanking(-1, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void count(DomainRanking ranking, String domain, int times) {
        for (int i = 0; i < times; i++) {
            ranking.count(domain);
        }
    }
}
