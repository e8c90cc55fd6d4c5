package org.caravan.config;

import java.nio.file.Path;

/**
 * One signing key of the top-level dkim: block as configured. The signing stage reads and
 * test-signs the file at start; {@code where} ("config/mta.yaml:12: dkim.example.com[0].key-file")
 * leads its errors, as any other config error.
 *
 * @param domain    the d= domain, in lower case
 * @param algorithm "rsa-sha256" or "ed25519-sha256"
 */
public record DkimKeySpec(String domain, String selector, String algorithm, Path keyFile, String where) {
}
