/**
 * DKIM signing (RFC 6376, and RFC 8463 for Ed25519): the stage that puts the sender domain's
 * signatures on a message once intake has made its last header change (Received added, Bcc and
 * Resent-Bcc removed) and before the message is split by recipient domain, so every domain's copy
 * carries the same signatures and delivery sends the bytes unchanged.
 *
 * <p>Config: the top-level {@code dkim:} block, sender domain -> keys (selector, algorithm
 * rsa-sha256 | ed25519-sha256, key-file: an unencrypted PKCS#8 PEM). Every key is read and
 * test-signed at start; one that will not stops the start naming its file and config line.
 *
 * <p>The signing domain is the From header's domain if it has keys, else its nearest parent that
 * has: d=example.com on mail from news.example.com passes DMARC's relaxed alignment (the default),
 * where the alternative, no signature, passes nothing. A From domain with no key in its chain goes
 * unsigned.
 *
 * <p>Signatures are relaxed/relaxed, cover the usual identity and content headers found in the
 * message, and list From once more than it occurs, so a From added on the way breaks them.
 * Canonicalization and the signature record come from Apache jDKIM, fed the message's bytes as
 * they will go on the wire (bare LF line ends become CRLF first, as the SMTP client would send
 * them); jDKIM signs only RSA, so Ed25519-SHA256 goes through {@link org.caravan.signing.PrehashedEd25519}.
 */
package org.caravan.signing;
