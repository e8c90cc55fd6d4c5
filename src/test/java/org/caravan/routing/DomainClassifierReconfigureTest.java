package org.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.caravan.config.MtaConfigLoader;
import org.junit.jupiter.api.Test;

/** A reload swaps the classifier's patterns whole: the new file's names and suffixes, none of the old. */
class DomainClassifierReconfigureTest {

    @Test
    void aReloadedFilesPatternsReplaceTheOldOnes() {
        DomainClassifier classifier = new DomainClassifier(MtaConfigLoader.parse("""
                domain-policies:
                  first:
                    match: [a.test, "*.wide.test"]
                  default: {}
                """, Path.of("old.yaml")));
        assertThat(classifier.classify("a.test")).isEqualTo("first");
        assertThat(classifier.classify("x.wide.test")).isEqualTo("first");

        classifier.reconfigure(MtaConfigLoader.parse("""
                domain-policies:
                  second:
                    match: [b.test, "*.wide.test"]
                  default: {}
                """, Path.of("new.yaml")));

        assertThat(classifier.classify("a.test")).as("no longer named").isEqualTo("default");
        assertThat(classifier.classify("b.test")).isEqualTo("second");
        assertThat(classifier.classify("x.wide.test")).isEqualTo("second");
        assertThat(classifier.atIntake("b.test")).isEqualTo("second");
    }
}
