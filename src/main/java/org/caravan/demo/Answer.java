package org.caravan.demo;

/**
 * How a fake provider answers one RCPT TO: null accepts, a Refusal defers. Called for every
 * recipient from the SMTP server's session threads, so implementations are thread-safe.
 */
interface Answer {

    Refusal rcpt(String client, String sender, String recipient);
}
