package org.caravan.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.caravan.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubmittersTest {

    @TempDir
    Path dir;

    @Test
    void readsTheInlineListAndTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("submitters"), "# applications\n\nshop:s3cret:with:colons\r\n  crm : pw2 \n");

        Submitters submitters = Submitters.read("news:pw1, billing:pw3", file.toString());

        assertThat(submitters.passwords()).containsExactly(
                org.assertj.core.api.Assertions.entry("news", "pw1"),
                org.assertj.core.api.Assertions.entry("billing", "pw3"),
                org.assertj.core.api.Assertions.entry("shop", "s3cret:with:colons"),
                org.assertj.core.api.Assertions.entry("crm", "pw2"));
    }

    @Test
    void noSourcesMeansNoSubmitters() {
        assertThat(Submitters.read("", " ").passwords()).isEmpty();
        assertThat(Submitters.read(null, null).passwords()).isEmpty();
    }

    @Test
    void anEmptyPasswordNamesTheKeyAndEntry() {
        assertThatThrownBy(() -> Submitters.read("news:pw1,shop:", null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("caravan.broker.submitters (MTA_SUBMITTERS): entry 2")
                .hasMessageContaining("'shop' has an empty password");
    }

    @Test
    void anEntryWithoutPasswordIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> Submitters.read("news-pw1", null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("entry 1: expected name:password")
                .hasMessageNotContaining("news-pw1");
    }

    @Test
    void aDuplicateNameNamesBothPlaces() throws IOException {
        Path file = Files.writeString(dir.resolve("submitters"), "crm:a\n\nnews:b\n");

        assertThatThrownBy(() -> Submitters.read("news:pw1", file.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ":3: caravan.broker.submitters-file")
                .hasMessageContaining("'news' is defined twice")
                .hasMessageContaining("entry 1");
    }

    @Test
    void anUnreadableFileNamesTheFileAndKey() {
        Path missing = dir.resolve("absent");
        assertThatThrownBy(() -> Submitters.read(null, missing.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing + ": caravan.broker.submitters-file (MTA_SUBMITTERS_FILE)");
    }

    @Test
    void aNameWithSpacesIsRefused() {
        assertThatThrownBy(() -> Submitters.read("my app:pw", null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("without spaces");
    }
}
