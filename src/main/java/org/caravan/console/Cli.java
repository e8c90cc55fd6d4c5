package org.caravan.console;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The operator's command line (bin/caravan), in the tradition of PowerMTA's {@code pmta} and
 * KumoMTA's {@code kcli}: a thin client of the console's HTTP API, no Spring context. Aligned
 * tables by default, the API's JSON with --json. Exit codes: 0 done, 1 refused or failed (the
 * reason on stderr), 2 usage.
 */
public final class Cli {

    static final String USAGE = """
            usage: caravan [--url URL] [--json] COMMAND
              show queues                       every delivery queue: mode, depth, connections, limits
              show queue VMTA/POLICY            one queue with its top domains, replies and recent outcomes
              show topdomains [--limit N]       the busiest recipient domains
              pause VMTA/POLICY                 stop delivering from the queue (mail stays queued)
              resume VMTA/POLICY
              retry VMTA/POLICY                 scheduled retries due now
              backoff VMTA/POLICY               enter backoff mode;  normal VMTA/POLICY: leave it
              purge VMTA/POLICY (--job J | --domain D | --older-than 1h) [--yes]
                                                drop queued mail (recorded as bounced); asks first
              set rate|burst|smtp-out|conn-rate|msg-per-connection VMTA/POLICY VALUE
                                                a limit until the next reload or restart
              reload                            re-read mta.yaml and apply it (all or nothing)
              suppression list [--prefix P] [--limit N]   suppressed addresses (and how many in all)
              suppression add|remove ADDRESS [--scope SENDER-DOMAIN]
                                                for every sender unless --scope names a sender domain
              suppression import FILE.csv       lines address[,scope[,addedAt]]
              suppression export [FILE.csv]     every entry as CSV (stdout without FILE)
            URL: --url, else $CARAVAN_URL, else http://127.0.0.1:8080
            login: $MTA_ADMIN_USER (default admin) and $MTA_ADMIN_PASSWORD, sent as HTTP Basic
            """;

    /** set's limit names (PowerMTA's, without max-) -> the limits API's JSON field. */
    private static final Map<String, String> LIMITS = new LinkedHashMap<>();

    static {
        LIMITS.put("rate", "maxMsgRate");
        LIMITS.put("burst", "maxMsgBurst");
        LIMITS.put("smtp-out", "maxSmtpOut");
        LIMITS.put("conn-rate", "maxConnRate");
        LIMITS.put("msg-per-connection", "maxMsgPerConnection");
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A refusal or failure to report on stderr with exit code 1. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** Wrong arguments: usage on stderr, exit code 2. */
    static final class Usage extends Exception {
        Usage(String message) {
            super(message);
        }
    }

    private final PrintStream out;
    private final PrintStream err;
    private final BufferedReader in;
    private final Map<String, String> env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String url;
    private boolean json;
    private boolean yes;
    private final Map<String, String> options = new LinkedHashMap<>();

    Cli(PrintStream out, PrintStream err, InputStream in, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.in, System.getenv()));
    }

    /** Runs one command; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, InputStream in, Map<String, String> env) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            out.print(USAGE);
            return 0;
        }
        Cli cli = new Cli(out, err, in, env);
        try {
            cli.execute(cli.parse(args));
            return 0;
        } catch (Usage e) {
            err.println("caravan: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (Refused e) {
            err.println("caravan: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("caravan: interrupted");
            return 1;
        }
    }

    /** Options anywhere on the line; the rest are the command's words. */
    private List<String> parse(String[] args) throws Usage {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--json" -> json = true;
                case "--yes", "-y" -> yes = true;
                case "--url", "--job", "--domain", "--older-than", "--limit", "--scope", "--prefix" -> {
                    if (i + 1 >= args.length) {
                        throw new Usage(a + " needs a value");
                    }
                    options.put(a, args[++i]);
                }
                default -> {
                    if (a.startsWith("--") && a.contains("=")) {
                        String name = a.substring(0, a.indexOf('='));
                        if (!List.of("--url", "--job", "--domain", "--older-than", "--limit", "--scope", "--prefix").contains(name)) {
                            throw new Usage("unknown option " + name);
                        }
                        options.put(name, a.substring(a.indexOf('=') + 1));
                    } else if (a.startsWith("-") && a.length() > 1) {
                        throw new Usage("unknown option " + a);
                    } else {
                        words.add(a);
                    }
                }
            }
        }
        url = options.getOrDefault("--url", env.getOrDefault("CARAVAN_URL", "http://127.0.0.1:8080"));
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        if (words.isEmpty()) {
            throw new Usage("no command");
        }
        return words;
    }

    private void execute(List<String> w) throws Usage, Refused, InterruptedException {
        String command = w.get(0);
        switch (command) {
            case "show" -> show(w);
            case "pause", "resume", "retry", "backoff", "normal" -> action(command, line(w, 1, 2));
            case "purge" -> purge(line(w, 1, 2));
            case "set" -> set(w);
            case "suppression" -> suppression(w);
            case "reload" -> {
                words(w, 1);
                reload();
            }
            default -> throw new Usage("unknown command '" + command + "'");
        }
    }

    private void show(List<String> w) throws Usage, Refused, InterruptedException {
        if (w.size() < 2) {
            throw new Usage("show what? queues, queue VMTA/POLICY or topdomains");
        }
        switch (w.get(1)) {
            case "queues" -> {
                words(w, 2);
                JsonNode rows = get("/api/queues");
                if (!print(rows)) {
                    Tables.queues(rows, out);
                }
            }
            case "queue" -> {
                String[] line = line(w, 2, 3);
                JsonNode row = get("/api/queues/" + path(line[0]) + "/" + path(line[1]));
                if (!print(row)) {
                    Tables.queue(row, out);
                }
            }
            case "topdomains" -> {
                words(w, 2);
                String limit = options.getOrDefault("--limit", "20");
                if (!limit.matches("[1-9][0-9]{0,5}")) {
                    throw new Usage("--limit takes a positive number, not '" + limit + "'");
                }
                JsonNode rows = get("/api/domains/top?limit=" + limit);
                if (!print(rows)) {
                    Tables.domains(rows, out);
                }
            }
            default -> throw new Usage("show " + w.get(1) + "? queues, queue VMTA/POLICY or topdomains");
        }
    }

    private void action(String verb, String[] line) throws Refused, InterruptedException {
        JsonNode answer = post("/api/queues/" + path(line[0]) + "/" + path(line[1]) + "/" + verb, null);
        if (!print(answer)) {
            out.println(line[0] + "/" + line[1] + ": " + switch (verb) {
                case "pause" -> "paused";
                case "resume" -> "resumed";
                case "retry" -> "scheduled retries due now";
                case "backoff" -> "in backoff mode";
                default -> "in normal mode";
            });
        }
    }

    private void purge(String[] line) throws Usage, Refused, InterruptedException {
        List<String> filters = new ArrayList<>();
        String query = "";
        for (Map.Entry<String, String> f : Map.of("--job", "job", "--domain", "domain", "--older-than", "olderThan")
                .entrySet()) {
            String value = options.get(f.getKey());
            if (value != null) {
                filters.add(f.getKey() + " " + value);
                query += "&" + f.getValue() + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
            }
        }
        if (filters.isEmpty()) {
            throw new Usage("purge needs --job, --domain or --older-than (purging a whole queue is pause plus broker tools)");
        }
        String what = line[0] + "/" + line[1];
        if (!yes) {
            err.print("purge the mail of " + what + " with " + String.join(" and ", filters)
                    + "? it is recorded as bounced and cannot be undone [y/N] ");
            err.flush();
            String answer;
            try {
                answer = in.readLine();
            } catch (IOException e) {
                answer = null;
            }
            if (answer == null || !List.of("y", "yes").contains(answer.strip().toLowerCase(Locale.ROOT))) {
                throw new Refused("not purged");
            }
        }
        JsonNode answer = post("/api/queues/" + path(line[0]) + "/" + path(line[1]) + "/purge?confirm=true" + query, null);
        if (!print(answer)) {
            out.println(what + ": purged " + answer.path("purged").asText("?"));
        }
    }

    private void set(List<String> w) throws Usage, Refused, InterruptedException {
        if (w.size() != 4) {
            throw new Usage("set LIMIT VMTA/POLICY VALUE, LIMIT one of " + String.join(", ", LIMITS.keySet()));
        }
        String field = LIMITS.get(w.get(1));
        if (field == null) {
            throw new Usage("no limit '" + w.get(1) + "'; one of " + String.join(", ", LIMITS.keySet()));
        }
        String[] line = line(w, 2, 4);
        String value = w.get(3);
        Map<String, Object> body = new LinkedHashMap<>();
        if (field.endsWith("Rate")) {
            body.put(field, value);
        } else {
            try {
                body.put(field, Integer.valueOf(value));
            } catch (NumberFormatException e) {
                throw new Usage(w.get(1) + " takes a whole number, not '" + value + "'");
            }
        }
        JsonNode answer = post("/api/queues/" + path(line[0]) + "/" + path(line[1]) + "/limits", body);
        if (!print(answer)) {
            out.println(line[0] + "/" + line[1] + ": " + directive(w.get(1)) + " " + value
                    + " (until the next reload or restart)");
        }
    }

    private void suppression(List<String> w) throws Usage, Refused, InterruptedException {
        String verb = w.size() < 2 ? "" : w.get(1);
        String scope = "&scope=" + query(options.getOrDefault("--scope", "*"));
        switch (verb) {
            case "list" -> {
                words(w, 2);
                String limit = options.getOrDefault("--limit", "100");
                if (!limit.matches("[1-9][0-9]{0,4}")) {
                    throw new Usage("--limit takes a positive number, not '" + limit + "'");
                }
                JsonNode answer = get("/api/suppression?limit=" + limit + "&prefix=" + query(options.getOrDefault("--prefix", "")));
                if (!print(answer)) {
                    answer.path("entries").forEach(e -> out.println(e.path("address").asText() + "  "
                            + e.path("scope").asText() + "  " + java.time.Instant.ofEpochMilli(e.path("addedAt").asLong())));
                    out.println(answer.path("size").asLong() + " suppressed in all");
                }
            }
            case "add", "remove" -> {
                if (w.size() != 3) {
                    throw new Usage("suppression " + verb + " ADDRESS [--scope SENDER-DOMAIN]");
                }
                JsonNode answer = post("/api/suppression/" + verb + "?address=" + query(w.get(2)) + scope, null);
                if (!print(answer)) {
                    boolean changed = answer.path(verb.equals("add") ? "added" : "removed").asBoolean();
                    out.println(w.get(2) + ": " + (verb.equals("add") ? (changed ? "suppressed" : "already suppressed")
                            : (changed ? "no longer suppressed" : "was not suppressed")));
                }
            }
            case "import" -> {
                if (w.size() != 3) {
                    throw new Usage("suppression import FILE.csv");
                }
                String csv;
                try {
                    csv = java.nio.file.Files.readString(java.nio.file.Path.of(w.get(2)), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new Refused("cannot read " + w.get(2) + ": " + e.getMessage());
                }
                JsonNode answer = checked(send(request("/api/suppression/import").header("Content-Type", "text/csv")
                        .POST(HttpRequest.BodyPublishers.ofString(csv))));
                if (!print(answer)) {
                    out.println("imported: " + answer.path("added").asLong() + " new, " + answer.path("size").asLong() + " in all");
                }
            }
            case "export" -> {
                if (w.size() > 3) {
                    throw new Usage("suppression export [FILE.csv]");
                }
                HttpResponse<String> response = send(request("/api/suppression/export").header("Accept", "text/csv").GET());
                if (response.statusCode() >= 300) {
                    throw refusal(response, body(response));
                }
                if (w.size() == 3) {
                    try {
                        java.nio.file.Files.writeString(java.nio.file.Path.of(w.get(2)), response.body(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new Refused("cannot write " + w.get(2) + ": " + e.getMessage());
                    }
                } else {
                    out.print(response.body());
                }
            }
            default -> throw new Usage("suppression list, add, remove, import or export");
        }
    }

    private static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The mta.yaml directive a set name stands for: rate -> max-msg-rate, smtp-out -> max-smtp-out. */
    static String directive(String limit) {
        return limit.equals("rate") || limit.equals("burst") ? "max-msg-" + limit : "max-" + limit;
    }

    private void reload() throws Refused, InterruptedException {
        HttpResponse<String> response = send(request("/api/reload").POST(HttpRequest.BodyPublishers.noBody()));
        JsonNode answer = body(response);
        if (response.statusCode() == 401 || (response.statusCode() >= 300 && !answer.has("applied"))) {
            throw refusal(response, answer);
        }
        boolean applied = answer.path("applied").asBoolean(false);
        if (json) {
            out.println(pretty(answer));
        } else if (applied) {
            JsonNode changes = answer.path("changes");
            out.println("reloaded: " + (changes.isEmpty() ? "no changes" : changes.size() + " changes"));
            changes.forEach(c -> out.println("  " + c.asText()));
        }
        if (!applied) {
            throw new Refused("reload refused, nothing changed: " + answer.path("error").path("message").asText("?"));
        }
    }

    // ---- HTTP ----

    private JsonNode get(String path) throws Refused, InterruptedException {
        return checked(send(request(path).GET()));
    }

    private JsonNode post(String path, Object body) throws Refused, InterruptedException {
        HttpRequest.BodyPublisher publisher;
        try {
            publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new Refused("cannot write the request: " + e.getMessage());
        }
        return checked(send(request(path).header("Content-Type", "application/json").POST(publisher)));
    }

    private HttpRequest.Builder request(String path) throws Refused {
        String password = env.get("MTA_ADMIN_PASSWORD");
        if (password == null || password.isEmpty()) {
            throw new Refused("set MTA_ADMIN_PASSWORD (and MTA_ADMIN_USER unless it is 'admin') to the console login");
        }
        String user = env.getOrDefault("MTA_ADMIN_USER", "admin");
        URI uri;
        try {
            uri = URI.create(url + path);
        } catch (IllegalArgumentException e) {
            throw new Refused("bad URL " + url + path + ": " + e.getMessage());
        }
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
                .header("Accept", "application/json")
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Refused, InterruptedException {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Refused("cannot reach " + url + " (is the engine running? --url or CARAVAN_URL)");
        } catch (IOException e) {
            throw new Refused(url + ": " + e);
        }
    }

    private JsonNode checked(HttpResponse<String> response) throws Refused {
        JsonNode answer = body(response);
        if (response.statusCode() >= 300) {
            throw refusal(response, answer);
        }
        return answer;
    }

    private static Refused refusal(HttpResponse<String> response, JsonNode answer) {
        int status = response.statusCode();
        if (status == 401) {
            return new Refused("login refused (MTA_ADMIN_USER / MTA_ADMIN_PASSWORD)");
        }
        if (status == 429) {
            return new Refused("too many failed logins; locked out for a while");
        }
        String error = answer.path("error").isTextual() ? answer.path("error").asText()
                : answer.path("error").path("message").asText(answer.path("message").asText(""));
        return new Refused(error.isEmpty() ? "HTTP " + status + " from " + response.uri() : error);
    }

    private static JsonNode body(HttpResponse<String> response) {
        try {
            String text = response.body();
            return text == null || text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    // ---- words ----

    private boolean print(JsonNode answer) {
        if (json) {
            out.println(pretty(answer));
        }
        return json;
    }

    private static String pretty(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (IOException e) {
            return node.toString();
        }
    }

    private static void words(List<String> w, int count) throws Usage {
        if (w.size() != count) {
            throw new Usage("unexpected '" + w.get(count) + "'");
        }
    }

    /** VMTA/POLICY at position i of a command of exactly size words. */
    private static String[] line(List<String> w, int i, int size) throws Usage {
        if (w.size() <= i) {
            throw new Usage(w.get(0) + " needs VMTA/POLICY (e.g. default/gmail)");
        }
        if (w.size() > size) {
            throw new Usage("unexpected '" + w.get(size) + "'");
        }
        String[] parts = w.get(i).split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new Usage("'" + w.get(i) + "' is not VMTA/POLICY (e.g. default/gmail)");
        }
        return parts;
    }

    private static String path(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
