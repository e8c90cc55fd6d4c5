package org.caravan.testsupport;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** One SMTP connection of a {@link ScriptedSmtpServer}: the protocol, asking the script at each step. */
final class SmtpSession implements Runnable {

    private static final int MAX_COMMAND = 4096;

    private final ScriptedSmtpServer server;
    private final Socket socket;
    private final int id;
    private InputStream in;
    private OutputStream out;
    private final byte[] buf = new byte[16384];
    private int pos;
    private int limit;
    private byte[] line = new byte[1024];
    private boolean greeted;
    private String mailFrom;
    private final List<String> rcptTo = new ArrayList<>();

    SmtpSession(ScriptedSmtpServer server, Socket socket, int id) {
        this.server = server;
        this.socket = socket;
        this.id = id;
    }

    @Override
    public void run() {
        try {
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            out = new BufferedOutputStream(socket.getOutputStream(), 4096);
            converse(server.script());
        } catch (IOException e) {
            // the client went away or the server is closing: the session just ends
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // counted as ended when this side hangs up, as a real server's connection count drops
            server.sessionEnded(socket);
            closeQuietly();
        }
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }

    /** Runs the session until QUIT, end of stream, or a scripted close. */
    private void converse(SmtpScript script) throws IOException, InterruptedException {
        stall(script, SmtpStage.GREETING);
        String refusal = script.takeRefusal();
        if (refusal != null) {
            reply(refusal);
            return;
        }
        Duration drip = script.greetingDrip();
        while (drip != null) {
            reply("220-127.0.0.1 still greeting");
            Thread.sleep(drip.toMillis());
        }
        reply("220 127.0.0.1 ESMTP ScriptedSmtpServer");
        String command;
        while ((command = readCommand()) != null) {
            boolean open = switch (verb(command)) {
                case "EHLO" -> ehlo(script, command);
                case "HELO" -> helo(command);
                case "MAIL" -> mail(script, command);
                case "RCPT" -> rcpt(script, command);
                case "DATA" -> data(script);
                case "RSET" -> reset("250 2.0.0 OK");
                case "NOOP" -> reply("250 2.0.0 OK");
                case "QUIT" -> !reply("221 2.0.0 Bye");
                default -> reply("502 5.5.2 Command not implemented");
            };
            if (!open) {
                return;
            }
        }
    }

    private boolean ehlo(SmtpScript script, String command) throws IOException {
        greeted = true;
        server.ehloName(id, command.substring(4).trim());
        return reset("250-127.0.0.1 Hello " + command.substring(4).trim() + "\r\n"
                + script.ehloKeywords() + "250 ENHANCEDSTATUSCODES");
    }

    private boolean helo(String command) throws IOException {
        greeted = true;
        server.ehloName(id, command.substring(4).trim());
        return reset("250 127.0.0.1 Hello");
    }

    private boolean mail(SmtpScript script, String command) throws IOException, InterruptedException {
        if (!greeted) {
            return reply("503 5.5.1 Send EHLO or HELO first");
        }
        if (mailFrom != null) {
            return reply("503 5.5.1 Nested MAIL command");
        }
        String sender = path(command, "MAIL FROM:");
        if (sender == null) {
            return reply("501 5.5.4 Syntax: MAIL FROM:<address>");
        }
        if (script.maxPerSecond() > 0 && server.acceptedInLastSecond() >= script.maxPerSecond()) {
            reply(script.rateReply());
            return false;
        }
        stall(script, SmtpStage.MAIL);
        server.mailCommand(command);
        mailFrom = sender;
        return reply("250 2.1.0 OK");
    }

    private boolean rcpt(SmtpScript script, String command) throws IOException, InterruptedException {
        if (mailFrom == null) {
            return reply("503 5.5.1 Need MAIL before RCPT");
        }
        String recipient = path(command, "RCPT TO:");
        if (recipient == null) {
            return reply("501 5.5.4 Syntax: RCPT TO:<address>");
        }
        int max = script.maxRcptPerTransaction();
        String answer = max > 0 && rcptTo.size() >= max ? "452 4.5.3 Too many recipients" : script.rcptReply(recipient);
        stall(script, SmtpStage.RCPT);
        if (answer.startsWith("2")) {
            rcptTo.add(recipient);
        }
        return replyOrClose(answer);
    }

    private boolean data(SmtpScript script) throws IOException, InterruptedException {
        if (mailFrom == null) {
            return reply("503 5.5.1 Need MAIL before DATA");
        }
        if (rcptTo.isEmpty()) {
            return reply("554 5.5.1 No valid recipients");
        }
        boolean drop = script.dropInData(server.nextDataNumber());
        reply("354 End data with <CR><LF>.<CR><LF>");
        stall(script, SmtpStage.DATA_BODY);
        ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
        boolean afterCrlf = true;
        for (int n; (n = readLine()) >= 0; afterCrlf = n >= 2 && line[n - 2] == '\r') {
            if (drop) {
                return false;
            }
            if (afterCrlf && n == 3 && line[0] == '.' && line[1] == '\r') {
                return endOfData(script, body.toByteArray());
            }
            int skip = line[0] == '.' ? 1 : 0;
            body.write(line, skip, n - skip);
        }
        return false;
    }

    private boolean endOfData(SmtpScript script, byte[] data) throws IOException, InterruptedException {
        String answer = script.dataReply(data);
        boolean stalled = stall(script, SmtpStage.DATA_END);
        if (stalled && peerClosed()) {
            return false;
        }
        if (answer.startsWith("2")) {
            server.record(id, mailFrom, List.copyOf(rcptTo), data);
        }
        reset(null);
        return replyOrClose(answer);
    }

    /** Clears the mail transaction, then sends the reply if there is one. */
    private boolean reset(String reply) throws IOException {
        mailFrom = null;
        rcptTo.clear();
        return reply == null || reply(reply);
    }

    /** Sends a scripted reply; a 421 closes the session afterwards, as real servers do. */
    private boolean replyOrClose(String reply) throws IOException {
        reply(reply);
        if (!reply.startsWith("421")) {
            return true;
        }
        if (server.script().resetsAfter421()) {
            socket.setSoLinger(true, 0);
        }
        return false;
    }

    /** Sends one reply (possibly multi-line, CRLF-separated) and flushes; returns true to keep the session. */
    private boolean reply(String reply) throws IOException {
        out.write(reply.getBytes(StandardCharsets.ISO_8859_1));
        out.write('\r');
        out.write('\n');
        out.flush();
        return true;
    }

    /** Sleeps as the script says for this stage; true if it did. */
    private boolean stall(SmtpScript script, SmtpStage stage) throws InterruptedException {
        Duration duration = script.stallAt(stage);
        if (duration == null) {
            return false;
        }
        Thread.sleep(duration.toMillis());
        return true;
    }

    /** True if the client has closed its side (it gave up waiting); does not consume input. */
    private boolean peerClosed() throws IOException {
        if (pos < limit) {
            return false;
        }
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(20);
        try {
            return fill() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    /** Reads one command line without its line ending, or null at end of stream. */
    private String readCommand() throws IOException {
        int n = readLine();
        while (n > MAX_COMMAND) {
            reply("500 5.5.2 Line too long");
            n = readLine();
        }
        if (n < 0) {
            return null;
        }
        int end = n - 1;
        if (end > 0 && line[end - 1] == '\r') {
            end--;
        }
        return new String(line, 0, end, StandardCharsets.ISO_8859_1);
    }

    /** Reads one line including its LF into {@code line}; returns its length, or -1 at end of stream. */
    private int readLine() throws IOException {
        int n = 0;
        while (true) {
            if (pos == limit && fill() < 0) {
                return -1;
            }
            int lf = pos;
            while (lf < limit && buf[lf] != '\n') {
                lf++;
            }
            int take = (lf < limit ? lf + 1 : limit) - pos;
            if (n + take > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, n + take));
            }
            System.arraycopy(buf, pos, line, n, take);
            n += take;
            pos += take;
            if (line[n - 1] == '\n') {
                return n;
            }
        }
    }

    private int fill() throws IOException {
        int r = in.read(buf, 0, buf.length);
        pos = 0;
        limit = Math.max(r, 0);
        return r;
    }

    private static String verb(String command) {
        int space = command.indexOf(' ');
        return (space < 0 ? command : command.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    /** The address inside "PREFIX &lt;address&gt; params", or null if malformed; parameters are ignored. */
    /** The '>' ending the path: one inside a quoted local part ("x>y"@example.com) does not (RFC 5321 4.1.2). */
    private static int closingBracket(String rest) {
        boolean quoted = false;
        for (int i = 1; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    private static String path(String command, String prefix) {
        if (!command.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return null;
        }
        String rest = command.substring(prefix.length()).trim();
        if (rest.startsWith("<")) {
            int close = closingBracket(rest);
            return close < 0 ? null : rest.substring(1, close);
        }
        int space = rest.indexOf(' ');
        String bare = space < 0 ? rest : rest.substring(0, space);
        return bare.isEmpty() ? null : bare;
    }
}
