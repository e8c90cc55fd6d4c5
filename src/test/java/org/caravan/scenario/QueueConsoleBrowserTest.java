package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.caravan.broker.QueueDepth;
import org.caravan.broker.QueueDepths;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.caravan.suppression.SuppressionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The queue console in Debian's chromium, headless: log in on the form, read the rows, open a
 * queue's drill-down, pause and resume it, purge a job through the confirmation dialog. Each view
 * is saved to target/screenshots/. Skipped only where chromium or its driver is not installed.
 */
class QueueConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static ScriptedSmtpServer smtp;
    private static Engine engine;
    private static WebDriver browser;
    private static Path profile;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
        smtp = ScriptedSmtpServer.start();
        Map<String, String> policies = new LinkedHashMap<>();
        policies.put("gmail", "gmail.test " + smtp.port());
        policies.put("default", "* " + smtp.port());
        engine = Engine.start(Engine.routedConfig(policies, "retry-after: [1h]\n"));
        profile = Files.createTempDirectory("caravan-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1500,1100", "--user-data-dir=" + profile);
        // the driver named explicitly: Selenium Manager never looks for (or downloads) one
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (engine != null) {
            engine.close();
        }
        if (smtp != null) {
            smtp.close();
        }
    }

    @Test
    void anOperatorWatchesPausesResumesAndPurgesAQueue() throws Exception {
        smtp.alwaysRcpt("nobody@gmail.test", "550 5.1.1 no such user");
        smtp.alwaysRcpt("later@gmail.test", "451 4.7.1 try later");
        for (String rcpt : new String[] {"a@gmail.test", "b@gmail.test", "nobody@gmail.test", "later@gmail.test"}) {
            engine.broker().submit(QueueConsoleApiTest.mail(rcpt), Map.of("jobId", "job-ok"));
        }
        for (int i = 0; i < 3; i++) {
            engine.broker().submit(QueueConsoleApiTest.mail("x" + i + "@gmail.test"), Map.of("jobId", "job-bad"));
        }
        await(() -> engine.accounting().records().size() >= 7);
        await(() -> depth().scheduled() == 1);

        String base = "http://127.0.0.1:" + engine.context().getEnvironment().getProperty("local.server.port");
        browser.get(base + "/console/");
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.name("username")));
        shot("1-login");
        browser.findElement(By.name("username")).sendKeys(Engine.ADMIN);
        browser.findElement(By.name("password")).sendKeys(Engine.ADMIN_PASSWORD);
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(d -> !d.getCurrentUrl().endsWith("/login"));
        browser.get(base + "/console/");

        String row = "tr[data-queue='default/gmail']";
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(row)));
        wait.until(d -> cell(row, "[data-total=delivered]").equals("5"));
        assertThat(cell(row, "[data-total=bounced]")).isEqualTo("1");
        assertThat(cell(row, "[data-total=deferred]")).isEqualTo("1");
        assertThat(cell(row, "[data-col=scheduled]")).isEqualTo("1");
        assertThat(cell(row, "[data-col=next-retry]")).matches("\\d\\d:\\d\\d:\\d\\d");
        assertThat(cell(row, "[data-col=last-error]")).containsAnyOf("550 5.1.1 no such user", "451 4.7.1 try later");
        assertThat(cell(row, "[data-mode]")).isEqualTo("normal");
        shot("2-queues");

        // a refresh may rebuild the row between finding and clicking it: try again then
        wait.until(d -> {
            d.findElement(By.cssSelector(row)).click();
            return true;
        });
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("detail")));
        wait.until(d -> d.findElement(By.cssSelector("#top-domains tbody")).getText().contains("gmail.test"));
        assertThat(browser.findElement(By.cssSelector("#top-replies tbody")).getText()).contains("550 5.1.1 no such user");
        assertThat(browser.findElements(By.cssSelector("#recent tbody tr"))).hasSize(7);
        shot("3-drill-down");

        browser.findElement(By.id("pause")).click();
        wait.until(d -> cell(row, "[data-mode]").equals("paused"));
        assertThat(depth().paused()).isTrue();
        for (int i = 0; i < 3; i++) {
            engine.broker().submit(QueueConsoleApiTest.mail("held" + i + "@gmail.test"), Map.of("jobId", "job-held"));
        }
        engine.broker().submit(QueueConsoleApiTest.mail("keep@gmail.test"), Map.of("jobId", "job-keep"));
        await(() -> depth().ready() == 4);
        wait.until(d -> cell(row, "[data-col=ready]").equals("4"));
        shot("4-paused");

        browser.findElement(By.id("purge-job")).sendKeys("job-held");
        browser.findElement(By.id("purge")).click();
        WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        assertThat(dialog.getText()).contains("job job-held", "recorded as bounced");
        shot("5-purge-confirm");
        browser.findElement(By.id("confirm-ok")).click();
        wait.until(d -> d.findElement(By.id("action-result")).getText().contains("purged 3 messages"));
        wait.until(d -> cell(row, "[data-col=ready]").equals("1"));
        assertThat(depth().ready()).isEqualTo(1);
        assertThat(engine.accounting().ofType("b")).filteredOn(r -> r.get("jobId").equals("job-held"))
                .hasSize(3).allSatisfy(r -> assertThat(r.get("dsnDiag")).contains("purged by operator"));
        shot("6-purged");

        browser.findElement(By.id("resume")).click();
        wait.until(d -> cell(row, "[data-mode]").equals("normal"));
        await(() -> smtp.received().stream().anyMatch(r -> r.rcptTo().contains("keep@gmail.test")));
        assertThat(smtp.received()).noneMatch(r -> r.rcptTo().stream().anyMatch(t -> t.startsWith("held")));
        wait.until(d -> cell(row, "[data-col=ready]").equals("0"));
        shot("7-resumed");

        // the hard bounce (550 5.1.1) put its recipient on the suppression list
        SuppressionStore store = engine.bean(SuppressionStore.class);
        browser.findElement(By.id("suppression-search")).click();
        String nobody = "#suppressed tr[data-address='nobody@gmail.test']";
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(nobody)));
        browser.findElement(By.id("suppression-address")).sendKeys("extra@example.org");
        browser.findElement(By.id("suppression-add")).click();
        wait.until(d -> d.findElement(By.id("suppression-result")).getText().contains("extra@example.org: added"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#suppressed tr[data-address='extra@example.org']")));
        assertThat(store.isSuppressed("sender@example.net", "extra@example.org")).isTrue();
        shot("8-suppression");
        browser.findElement(By.cssSelector(nobody + " [data-remove]")).click();
        wait.until(d -> d.findElement(By.id("suppression-result")).getText().contains("nobody@gmail.test: removed"));
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(nobody)));
        assertThat(store.isSuppressed("sender@example.net", "nobody@gmail.test")).isFalse();
    }

    /** A cell's text, read in one script call: the page rebuilds its rows on every refresh. */
    private static String cell(String row, String css) {
        Object text = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;", row + " " + css);
        return text == null ? "" : text.toString();
    }

    private static QueueDepth depth() {
        return engine.bean(QueueDepths.class).of("mail.deliver.default.gmail").orElseThrow();
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Saves the page as target/screenshots/NAME.png, and beside the notes when they are there. */
    private static void shot(String name) throws Exception {
        byte[] png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Path file = SHOTS.resolve(name + ".png");
        Files.write(file, png);
        Path notes = Path.of("/work/notes/screenshots");
        if (Files.isDirectory(notes.getParent())) {
            Files.createDirectories(notes);
            Files.copy(file, notes.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
