package org.caravan.config;

import java.nio.file.Path;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A configuration error that stops the start. The message is one line an operator can act on:
 * {@code config/mta.yaml:14: domain-policies.gmail.max-msg-rate: bad rate '20/x' (...)}.
 */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An error about the value at {@code node}, reported as "file:line: keyPath: detail". */
    static ConfigException at(Path file, Node node, String keyPath, String detail) {
        return at(file, node.getStartMark().getLine() + 1, keyPath, detail);
    }

    /** An error at a known 1-based line. */
    static ConfigException at(Path file, int line, String keyPath, String detail) {
        String where = keyPath.isEmpty() ? "(top level)" : keyPath;
        return new ConfigException(file + ":" + line + ": " + where + ": " + detail);
    }
}
