package org.caravan.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import org.caravan.smtp.SmtpReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BounceClassifierTest {

    private final BounceClassifier classifier = new BounceClassifier();

    /** Real replies as servers send them; the code is parsed out of the line as the SMTP client does. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        # Gmail
        550-5.1.1 The email account that you tried to reach does not exist. Please try                    | BAD_MAILBOX
        550-5.2.1 The email account that you tried to reach is disabled.                                  | INACTIVE_MAILBOX
        452-4.2.2 The email account that you tried to reach is over quota.                                | QUOTA_ISSUES
        552-5.2.3 Your message exceeded Google's message size limits.                                     | CONTENT_RELATED
        550-5.7.1 Our system has detected that this message is likely unsolicited mail.                   | SPAM_RELATED
        421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP.  | SPAM_RELATED
        550-5.7.26 This mail has been blocked because the sender is unauthenticated.                      | POLICY_RELATED
        552-5.7.0 This message was blocked because its content presents a potential security issue.       | VIRUS_RELATED
        452-4.2.1 The user you are trying to contact is receiving mail at a rate that prevents delivery.   | OTHER
        # Yahoo
        554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1         | BAD_MAILBOX
        421 4.7.0 [TS01] Messages from 192.0.2.1 temporarily deferred due to user complaints              | SPAM_RELATED
        553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list | SPAM_RELATED
        554 5.7.9 Message not accepted for policy reasons.                                                | POLICY_RELATED
        554 30 Sorry, your message size exceeds 41943040 bytes.                                           | CONTENT_RELATED
        # Microsoft
        550 5.5.0 Requested action not taken: mailbox unavailable                                         | BAD_MAILBOX
        550 5.4.1 Recipient address rejected: Access denied. AS(201806281)                                 | BAD_MAILBOX
        550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup             | BAD_MAILBOX
        550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Part of their network is on our block list (S3150). | SPAM_RELATED
        550 5.7.606 Access denied, banned sending IP [192.0.2.1].                                          | SPAM_RELATED
        # Others
        552 5.2.2 mailbox full                                                                            | QUOTA_ISSUES
        554 5.7.1 Message rejected: virus found (Eicar-Test-Signature)                                    | VIRUS_RELATED
        550 5.1.2 Host unknown: example.invalid                                                           | BAD_DOMAIN
        556 5.1.10 Recipient address has null MX                                                          | BAD_DOMAIN
        550 Requested action not taken: no such user here                                                 | BAD_MAILBOX
        503 5.5.1 Error: need RCPT command                                                                | PROTOCOL_ERRORS
        451 4.4.2 Timeout waiting for client input                                                        | BAD_CONNECTION
        554 5.4.6 Routing loop detected                                                                   | ROUTING_ERRORS
        550 Rejected                                                                                      | OTHER
        """)
    void classifiesRealReplies(String line, BounceCategory expected) {
        SmtpReply reply = SmtpReply.parse(Integer.parseInt(line.substring(0, 3)), line);

        assertThat(classifier.classify(reply)).isEqualTo(expected);
    }

    @Test
    void connectionFailureIsBadConnection() {
        assertThat(classifier.classify(SmtpReply.connectionFailure("Connection refused")))
                .isEqualTo(BounceCategory.BAD_CONNECTION);
    }

    @Test
    void findsEnhancedCodeInTextWhenNotParsed() {
        assertThat(classifier.classify(new SmtpReply(550, "", "<x@example.com>: 5.1.1 rejected")))
                .isEqualTo(BounceCategory.BAD_MAILBOX);
    }

    @Test
    void expiredIsMessageExpired() {
        assertThat(BounceClassifier.expired()).isEqualTo(BounceCategory.MESSAGE_EXPIRED);
    }
}
