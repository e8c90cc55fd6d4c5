package org.caravan.smtp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The host's own name for EHLO when the vmta sets none, found without any DNS query (a lookup
 * here would make every start depend on the resolver, and Java's InetAddress.getLocalHost()
 * asks it): /etc/mailname as Debian's MTAs use it, else the kernel's host name. Never
 * "localhost", which receivers reject or score as spam (RFC 5321 4.1.4 wants the FQDN).
 */
public final class EhloName {

    private static final List<Path> SOURCES = List.of(Path.of("/etc/mailname"),
            Path.of("/proc/sys/kernel/hostname"), Path.of("/etc/hostname"));

    private EhloName() {
    }

    /** The host's name, or null when it has none but localhost (connections then name their address). */
    public static String ofHost() {
        return ofHost(SOURCES);
    }

    /** The first usable name in these files (first line each), or null. */
    static String ofHost(List<Path> sources) {
        for (Path source : sources) {
            String name = firstLine(source);
            if (usable(name)) {
                return name;
            }
        }
        return null;
    }

    /** A name fit for EHLO: a host name, not empty, not localhost. */
    static boolean usable(String name) {
        if (name == null || name.isEmpty() || !name.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
            return false;
        }
        String n = name.toLowerCase(Locale.ROOT);
        return !n.equals("localhost") && !n.startsWith("localhost.");
    }

    /** True when the name is fully qualified (has a dot), as receivers expect. */
    public static boolean qualified(String name) {
        return name != null && name.indexOf('.') > 0 && !name.endsWith(".");
    }

    private static String firstLine(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.isEmpty() ? null : lines.get(0).strip();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
