import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;

import org.caravan.config.MtaConfig;
import org.caravan.config.MtaConfigLoader;
import org.caravan.signing.DkimSigner;

/**
 * DKIM signing cost per message, as intake pays it (org.caravan.signing.DkimSigner on a ~10 KB
 * message): rsa-2048 alone, ed25519 alone, both; and the bare private-key operation of each, the
 * floor no canonicalization code can go below. Prints microseconds per message of this thread's
 * CPU time (robust against other load on a shared machine) and of wall time.
 *
 *   nice -n 19 mvn -B -q -o compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   javac -cp target/classes:$(cat target/cp.txt) -d target/bench bench/src/DkimSignBench.java
 *   nice -n 19 java -cp target/bench:target/classes:$(cat target/cp.txt) DkimSignBench [messages]
 */
public final class DkimSignBench {

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        Path dir = Files.createTempDirectory("dkim-bench");
        KeyPair rsa = pair("RSA");
        KeyPair ed = pair("Ed25519");
        Path rsaFile = write(dir.resolve("rsa.pem"), rsa);
        Path edFile = write(dir.resolve("ed.pem"), ed);
        byte[] message = message();
        String rsaKey = "    - selector: s1\n      key-file: " + rsaFile + "\n";
        String edKey = "    - selector: e1\n      algorithm: ed25519-sha256\n      key-file: " + edFile + "\n";
        System.out.printf("message: %,d bytes, %d signatures each run%n", message.length, n);
        for (int round = 0; round < 2; round++) { // the first round warms the JIT
            boolean print = round == 1;
            run("rsa-2048", signer(rsaKey), message, n, print);
            run("ed25519", signer(edKey), message, n, print);
            run("rsa-2048 + ed25519", signer(rsaKey + edKey), message, n, print);
            bare("bare SHA256withRSA of 1 KB", Signature.getInstance("SHA256withRSA"), rsa, n, print);
            bare("bare Ed25519 of 32 bytes", Signature.getInstance("Ed25519"), ed, n, print);
            digest("bare SHA-256 of the message", message, n, print);
            bodyHash("jDKIM relaxed body hash", message, n, print);
        }
    }

    private static void run(String name, DkimSigner signer, byte[] message, int n, boolean print) {
        long bytes = 0;
        long start = System.nanoTime();
        long cpu = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            bytes += signer.sign(message, "example.com").length;
        }
        if (print) {
            System.out.printf("%-28s %8.1f us/msg CPU %8.1f us/msg wall  (%d bytes added)%n", name,
                    (CPU.getCurrentThreadCpuTime() - cpu) / 1000.0 / n, (System.nanoTime() - start) / 1000.0 / n,
                    bytes / n - message.length);
        }
    }

    private static void bare(String name, Signature s, KeyPair pair, int n, boolean print) throws Exception {
        byte[] data = new byte[name.contains("RSA") ? 1024 : 32];
        long start = System.nanoTime();
        long cpu = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            s.initSign(pair.getPrivate());
            s.update(data);
            s.sign();
        }
        if (print) {
            System.out.printf("%-28s %8.1f us/msg CPU %8.1f us/msg wall%n", name,
                    (CPU.getCurrentThreadCpuTime() - cpu) / 1000.0 / n, (System.nanoTime() - start) / 1000.0 / n);
        }
    }

    private static void digest(String name, byte[] message, int n, boolean print) throws Exception {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        long cpu = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            sha.digest(message);
        }
        if (print) {
            System.out.printf("%-28s %8.1f us/msg CPU%n", name, (CPU.getCurrentThreadCpuTime() - cpu) / 1000.0 / n);
        }
    }

    /** The body half of the library's work alone: relaxed body canonicalization + SHA-256. */
    private static void bodyHash(String name, byte[] message, int n, boolean print) throws Exception {
        long cpu = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            org.apache.james.jdkim.impl.BodyHasherImpl h = new org.apache.james.jdkim.impl.BodyHasherImpl(
                    new org.apache.james.jdkim.tagvalue.SignatureRecordTemplate(
                            "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1; h=from;"));
            try (java.io.OutputStream out = h.getOutputStream()) {
                out.write(message, 700, message.length - 700);
            }
            h.getDigest();
        }
        if (print) {
            System.out.printf("%-28s %8.1f us/msg CPU%n", name, (CPU.getCurrentThreadCpuTime() - cpu) / 1000.0 / n);
        }
    }

    private static DkimSigner signer(String keys) {
        MtaConfig c = MtaConfigLoader.parse("dkim:\n  example.com:\n" + keys, Path.of("bench.yaml"));
        return DkimSigner.load(c.dkim());
    }

    private static KeyPair pair(String type) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(type);
        if (type.equals("RSA")) {
            g.initialize(2048);
        }
        return g.generateKeyPair();
    }

    private static Path write(Path file, KeyPair pair) throws Exception {
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        return Files.writeString(file, pem);
    }

    /** ~10 KB: the usual headers, a List-Unsubscribe pair, and 130 lines of text (some with a leading dot). */
    private static byte[] message() {
        StringBuilder m = new StringBuilder("Received: from [192.0.2.1] ([192.0.2.1])\r\n\tby mta1.example.com (Caravan) with CORE"
                + " id 1234;\r\n\tTue, 3 Jun 2025 10:00:00 +0000\r\n"
                + "From: News <news@example.com>\r\nTo: bob@example.net\r\nSubject: Our June letter\r\n"
                + "Date: Tue, 3 Jun 2025 10:00:00 +0000\r\nMessage-ID: <bench-1@example.com>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                + "List-Unsubscribe: <https://example.com/u/abc>, <mailto:u@example.com?subject=abc>\r\n"
                + "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n");
        for (int i = 0; m.length() < 10_000; i++) {
            m.append(i % 10 == 0 ? "." : "").append("Line ").append(i)
                    .append(" of the letter, with some words  and a double space in it for the relaxed body.\r\n");
        }
        return m.toString().getBytes(StandardCharsets.UTF_8);
    }
}
