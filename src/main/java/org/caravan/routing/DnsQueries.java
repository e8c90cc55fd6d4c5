package org.caravan.routing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.caravan.routing.MxLookupException.Reason;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Type;

/** Queries through the resolver, sent asynchronously so that the questions of several hosts overlap. */
final class DnsQueries {

    static final int[] ADDRESS_TYPES = {Type.A, Type.AAAA};

    private final Resolver resolver;
    private final Duration answerWait;

    DnsQueries(Resolver resolver, Duration answerWait) {
        this.resolver = resolver;
        this.answerWait = answerWait;
    }

    /** The A and AAAA queries of a host, sent at once (root: the stray null MX, asked nothing). */
    List<CompletableFuture<Message>> askAddresses(Name host) {
        return host.equals(Name.root) ? List.of() : List.of(ask(host, Type.A), ask(host, Type.AAAA));
    }

    CompletableFuture<Message> ask(Name name, int type) {
        try {
            return resolver.sendAsync(Message.newQuery(Record.newRecord(name, type, DClass.IN))).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Sends one query and waits for it. */
    Message query(String key, Name name, int type) throws MxLookupException {
        return answer(key, name, type, ask(name, type));
    }

    /**
     * Waits for a query's answer (the resolver's own timeout ends it; the wait here is only a
     * safety net); returns only NOERROR or NXDOMAIN answers, anything else is transient.
     */
    Message answer(String key, Name name, int type, CompletableFuture<Message> pending)
            throws MxLookupException {
        Message response;
        try {
            response = pending.get(answerWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause()
                    : e.getCause();
            throw new MxLookupException(key, Reason.NO_ANSWER, Type.string(type) + " " + name + ": " + cause, cause);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new MxLookupException(key, Reason.NO_ANSWER, Type.string(type) + " " + name + ": no answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MxLookupException(key, Reason.NO_ANSWER, Type.string(type) + " " + name + ": interrupted", e);
        }
        int rcode = response.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            throw new MxLookupException(key, Reason.SERVER_FAILURE,
                    Type.string(type) + " " + name + ": " + Rcode.string(rcode));
        }
        return response;
    }
}
