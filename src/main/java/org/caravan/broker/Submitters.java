package org.caravan.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.caravan.config.ConfigException;

/**
 * The applications' broker logins: {@code name:password} entries, comma-separated in
 * caravan.broker.submitters (MTA_SUBMITTERS) and/or one a line in the file named by
 * caravan.broker.submitters-file (MTA_SUBMITTERS_FILE; blank lines and {@code #} comments skipped).
 * A password may contain ':' (the name ends at the first one) but, in the inline list, not ','.
 * A bad entry stops the start naming the key (and the file's line); no entry is a password echo.
 */
final class Submitters {

    static final String KEY = "caravan.broker.submitters";
    static final String FILE_KEY = "caravan.broker.submitters-file";

    private final Map<String, String> passwords = new LinkedHashMap<>();
    private final Map<String, String> whereDefined = new LinkedHashMap<>();

    private Submitters() {
    }

    /** Reads both sources; either may be empty. */
    static Submitters read(String inline, String file) {
        Submitters submitters = new Submitters();
        String inlineKey = KEY + " (MTA_SUBMITTERS)";
        if (inline != null && !inline.isBlank()) {
            String[] entries = inline.split(",", -1);
            for (int i = 0; i < entries.length; i++) {
                submitters.add(entries[i], inlineKey + ": entry " + (i + 1));
            }
        }
        if (file != null && !file.isBlank()) {
            Path path = Path.of(file.strip());
            List<String> lines = lines(path);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    submitters.add(line, path + ":" + (i + 1) + ": " + FILE_KEY);
                }
            }
        }
        return submitters;
    }

    private static List<String> lines(Path path) {
        try {
            return Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path + ": " + FILE_KEY + " (MTA_SUBMITTERS_FILE): cannot read the file ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    private void add(String entry, String where) {
        int colon = entry.indexOf(':');
        if (colon < 0) {
            throw new ConfigException(where + ": expected name:password, found no ':'");
        }
        String name = entry.substring(0, colon).strip();
        String password = entry.substring(colon + 1).strip();
        if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigException(where + ": the name before ':' must be non-empty, without spaces");
        }
        if (password.isEmpty()) {
            throw new ConfigException(where + ": submitter '" + name + "' has an empty password");
        }
        if (passwords.containsKey(name)) {
            throw new ConfigException(where + ": submitter '" + name + "' is defined twice (first at "
                    + whereDefined.get(name) + ")");
        }
        passwords.put(name, password);
        whereDefined.put(name, where);
    }

    Map<String, String> passwords() {
        return passwords;
    }

    /** Where a submitter was defined, for error messages that point at the line to fix. */
    String where(String name) {
        return whereDefined.get(name);
    }
}
