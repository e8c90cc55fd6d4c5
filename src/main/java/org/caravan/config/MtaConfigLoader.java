package org.caravan.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads config/mta.yaml strictly into an MtaConfig. Works on SnakeYAML's node tree rather than
 * on maps so that every error names the file, the line and the key path.
 */
public final class MtaConfigLoader {

    /** Environment variable that points the engine at another config file. */
    public static final String PATH_ENV = "MTA_CONFIG";
    /** Where the config lives, relative to the working directory, unless MTA_CONFIG says otherwise. */
    public static final Path DEFAULT_PATH = Path.of("config", "mta.yaml");

    private static final Set<String> TOP_KEYS = YamlMap.keys("max-message-size", "max-rcpt-per-submission",
            "max-fanout-size", "virtual-mtas", "domain-policies",
            "virtual-mta-pools", "dkim", "suppression", "warm-up", "priority");
    private static final Set<String> VMTA_KEYS = YamlMap.keys("smtp-source-host", "ehlo", "traffic", "bulk-compliance");

    private MtaConfigLoader() {
    }

    /** The config path to use: $MTA_CONFIG when set, else config/mta.yaml. */
    public static Path configuredPath() {
        String env = System.getenv(PATH_ENV);
        return env == null || env.isBlank() ? DEFAULT_PATH : Path.of(env);
    }

    /** Loads and validates a config file; a missing or unreadable file is a ConfigException naming it. */
    public static MtaConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not valid UTF-8", e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e, e);
        }
        return parse(text, file);
    }

    /** Parses and validates YAML text; {@code nameForMessages} is the file name errors will show. */
    public static MtaConfig parse(String yamlText, Path nameForMessages) {
        Node root = compose(yamlText, nameForMessages);
        YamlMap top = YamlMap.of(nameForMessages, "", root, root, TOP_KEYS);
        Long size = top.scalar("max-message-size", Values::positiveSize);
        Integer rcpts = top.scalar("max-rcpt-per-submission", Values::positiveInt);
        Long fanout = top.scalar("max-fanout-size", Values::positiveSize);
        Map<String, VirtualMta> vmtas = virtualMtas(top.map("virtual-mtas", null));
        return new MtaConfig(nameForMessages,
                vmtas,
                PolicyReader.read(top.map("domain-policies", null), catalogueBeside(nameForMessages)),
                size == null ? Defaults.MAX_MESSAGE_SIZE : size,
                rcpts == null ? Defaults.MAX_RCPT_PER_SUBMISSION : rcpts,
                fanout == null ? Defaults.MAX_FANOUT_SIZE : fanout,
                PoolReader.read(top.map("virtual-mta-pools", null), vmtas.keySet()),
                DkimReader.read(top.map("dkim", null)),
                SuppressionReader.read(top.map("suppression", SuppressionReader.KEYS)),
                WarmUpReader.read(top.map("warm-up", null), vmtas.keySet()),
                PriorityReader.read(top.map("priority", PriorityReader.KEYS)));
    }

    /** The reply catalogue beside the file, read once and only if a policy names a provider. */
    private static java.util.function.Supplier<Catalogue> catalogueBeside(Path file) {
        Catalogue[] once = new Catalogue[1];
        return () -> once[0] != null ? once[0] : (once[0] = Catalogue.besides(file));
    }

    private static Node compose(String text, Path file) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text; // editors on Windows add a BOM
        try {
            return new Yaml(new LoaderOptions()).compose(new StringReader(body));
        } catch (MarkedYAMLException e) {
            throw syntaxError(e, file);
        } catch (YAMLException e) {
            throw new ConfigException(file + ": bad YAML: " + firstLine(e.getMessage()), e);
        }
    }

    private static ConfigException syntaxError(MarkedYAMLException e, Path file) {
        int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1
                : e.getContextMark() != null ? e.getContextMark().getLine() + 1 : 1;
        String problem = firstLine(e.getProblem());
        if (problem.startsWith("but ") && e.getContext() != null) {
            // "but found another document" alone does not say what was expected
            problem = firstLine(e.getContext()) + " " + problem;
        }
        return new ConfigException(file + ":" + line + ": bad YAML: " + problem, e);
    }

    /** The virtual MTAs in file order; 'default' is added first when the file does not list it. */
    private static Map<String, VirtualMta> virtualMtas(YamlMap block) {
        Map<String, VirtualMta> out = new LinkedHashMap<>();
        if (block == null || !block.has(VirtualMta.DEFAULT)) {
            out.put(VirtualMta.DEFAULT, Defaults.virtualMta());
        }
        if (block == null) {
            return out;
        }
        for (Map.Entry<String, YamlMap> e : block.blocks(Values::name, VMTA_KEYS).entrySet()) {
            YamlMap v = e.getValue();
            out.put(e.getKey(), new VirtualMta(e.getKey(),
                    v.scalar("smtp-source-host", Values::ipLiteral),
                    v.scalar("ehlo", Values::hostName),
                    v.scalar("traffic", VirtualMta.Traffic::of),
                    v.scalar("bulk-compliance", VirtualMta.BulkCompliance::of)));
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
