package org.caravan.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaravanHomeTest {

    @TempDir
    Path dir;

    @Test
    void anExplicitHomeWins() throws Exception {
        Files.createDirectories(dir.resolve("routes"));
        assertThat(CaravanHome.home("/opt/caravan", dir, null)).isEqualTo(Path.of("/opt/caravan"));
        assertThat(CaravanHome.home("elsewhere", dir, null)).isEqualTo(dir.resolve("elsewhere"));
    }

    @Test
    void theWorkingDirectoryWhenItHasRoutes() throws Exception {
        Files.createDirectories(dir.resolve("cwd/routes"));
        Files.createDirectories(dir.resolve("install/routes"));
        Path jarDir = Files.createDirectories(dir.resolve("install/target"));

        assertThat(CaravanHome.home(null, dir.resolve("cwd"), jarDir)).isEqualTo(dir.resolve("cwd"));
    }

    @Test
    void elseTheJarsDirectoryOrTheOneAboveWhenItHasRoutes() throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("somewhere"));
        Files.createDirectories(dir.resolve("install/routes"));
        Path jarDir = Files.createDirectories(dir.resolve("install/target"));

        assertThat(CaravanHome.home(null, cwd, jarDir)).isEqualTo(dir.resolve("install"));
        assertThat(CaravanHome.home(null, cwd, dir.resolve("install"))).as("routes beside the jar")
                .isEqualTo(dir.resolve("install"));
    }

    @Test
    void elseTheWorkingDirectory() throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("somewhere"));
        Path jarDir = Files.createDirectories(dir.resolve("install/target"));

        assertThat(CaravanHome.home(null, cwd, jarDir)).isEqualTo(cwd);
        assertThat(CaravanHome.home("", cwd, null)).isEqualTo(cwd);
    }

    @Test
    void relativeRoutePatternsAreReadUnderTheHome() {
        Path home = Path.of("/opt/caravan");
        assertThat(CaravanHome.routes("file:routes/*.yaml", home)).isEqualTo("file:/opt/caravan/routes/*.yaml");
        assertThat(CaravanHome.routes("file:routes/*.yaml, classpath:extra/*.yaml,file:/etc/caravan/*.yaml", home))
                .isEqualTo("file:/opt/caravan/routes/*.yaml,classpath:extra/*.yaml,file:/etc/caravan/*.yaml");
    }
}
