package org.caravan.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;

/**
 * A whole Caravan engine in a child JVM, so that a test can kill it as an operator's
 * {@code kill -9} would: no shutdown hooks, no flush, no orderly broker stop. The child runs
 * from the project root (it loads ./routes/*.yaml) on the test's classpath, with its output in
 * a log file of the test directory.
 */
public final class EngineProcess implements AutoCloseable {

    private static final String MAIN_CLASS = "org.caravan.CaravanApplication";
    private static final String STARTED = "Started CaravanApplication";
    private static final int LOG_TAIL_LINES = 40;

    private final Path dir;
    private final int brokerPort;
    private final Path log;
    private final Process process;
    private final Thread reaper;

    private EngineProcess(Path dir, int brokerPort, Path log, Process process) {
        this.dir = dir;
        this.brokerPort = brokerPort;
        this.log = log;
        this.process = process;
        // a test JVM that dies (or is stopped) must not leave an engine behind
        this.reaper = new Thread(process::destroyForcibly, "engine-process-reaper-" + process.pid());
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /** A fresh test directory holding mtaYaml as mta.yaml, for one or more engines in turn. */
    public static Path directory(String mtaYaml) {
        try {
            Path dir = Files.createTempDirectory("caravan-process");
            Files.writeString(dir.resolve("mta.yaml"), mtaYaml);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a child engine on dir and waits until it has started and its broker takes logins. */
    public static EngineProcess start(Path dir, int brokerPort, Duration timeout) {
        return start(dir, brokerPort, timeout, new String[0]);
    }

    /** As {@link #start(Path, int, Duration)} with more engine properties ("name=value"). */
    public static EngineProcess start(Path dir, int brokerPort, Duration timeout, String... extraProperties) {
        Path log = nextLog(dir);
        List<String> command = command(dir, brokerPort);
        for (String property : extraProperties) {
            command.add("--" + property);
        }
        writeCommand(log, command);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(Path.of(System.getProperty("user.dir")).toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        EngineProcess engine;
        try {
            engine = new EngineProcess(dir, brokerPort, log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a child engine", e);
        }
        try {
            engine.awaitReady(timeout);
        } catch (RuntimeException | InterruptedException e) {
            engine.kill();
            throw new IllegalStateException("child engine did not start within " + timeout + "; log tail:\n"
                    + String.join("\n", engine.logTail(LOG_TAIL_LINES)), e);
        }
        return engine;
    }

    /** The SIGKILL of {@code kill -9}: returns once the process is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("child engine " + process.pid() + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing child engine " + process.pid(), e);
        }
        removeReaper();
    }

    /** Kills the child if it still runs; safe to call more than once. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
        removeReaper();
    }

    /** Kills every engine, even when one of them fails to die; that failure (the last one), or null. */
    public static RuntimeException closeAll(List<EngineProcess> engines) {
        RuntimeException failure = null;
        for (EngineProcess engine : engines) {
            try {
                engine.close();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        return failure;
    }

    /** Deletes a directory tree, such as an engine's journal (preallocated, tens of MB); absent is fine. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path dir() {
        return dir;
    }

    public int brokerPort() {
        return brokerPort;
    }

    public Path log() {
        return log;
    }

    public Broker broker() {
        return new Broker(brokerPort, Engine.USER, Engine.PASSWORD);
    }

    public Accounting accounting() {
        return new Accounting(dir.resolve("data").resolve("accounting"));
    }

    /** The log lines that contain any of the fragments (e.g. "ERROR", "WARN"). */
    public List<String> logLines(String... fragments) {
        List<String> out = new ArrayList<>();
        for (String line : readLog()) {
            for (String f : fragments) {
                if (line.contains(f)) {
                    out.add(line);
                    break;
                }
            }
        }
        return out;
    }

    /** The last n lines of the child's output. */
    public List<String> logTail(int n) {
        List<String> lines = readLog();
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    private static List<String> command(Path dir, int brokerPort) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        // the client compiler only: a child engine lives for seconds to a minute, and on a 2-core
        // machine the optimizing compiler's warm-up makes its start take about twice as long
        // (25 s against 12 s measured); what the tests check does not depend on peak speed
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(MAIN_CLASS);
        for (String property : Engine.properties(dir, brokerPort)) {
            cmd.add("--" + property);
        }
        return cmd;
    }

    /** Surefire's real test classpath when there is one (java.class.path may be its booter jar). */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** Keeps the command line beside the log, to rerun a failed start by hand. */
    private static void writeCommand(Path log, List<String> command) {
        try {
            Files.write(log.resolveSibling(log.getFileName() + ".cmd"), command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path nextLog(Path dir) {
        for (int n = 1;; n++) {
            Path candidate = dir.resolve("engine-" + n + ".log");
            if (!Files.exists(candidate)) {
                return candidate;
            }
        }
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("child engine exited with " + process.exitValue());
            }
            if (!logLines(STARTED).isEmpty() && brokerTakesLogins()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("timed out");
    }

    private boolean brokerTakesLogins() {
        try (Connection c = broker().connect()) {
            return true;
        } catch (JMSException e) {
            return false;
        }
    }

    private List<String> readLog() {
        try {
            if (!Files.exists(log)) {
                return List.of();
            }
            // the child may be mid-line; a lenient decode never fails on a cut multi-byte character
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + log, e);
        }
    }

    private void removeReaper() {
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
    }
}
