package org.caravan.signing;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

/**
 * Ed25519-SHA256 as RFC 8463 defines it: the canonicalized header data is hashed with SHA-256
 * and the 32-byte hash is signed with PureEdDSA Ed25519 (not the data itself). A Signature so
 * that jDKIM's header canonicalization, which feeds a Signature, can feed this one.
 */
final class PrehashedEd25519 extends Signature {

    private MessageDigest sha256;
    private Signature ed25519;

    PrehashedEd25519() {
        super("Ed25519-SHA256");
    }

    @Override
    protected void engineInitSign(PrivateKey key) throws InvalidKeyException {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
            ed25519 = Signature.getInstance("Ed25519");
        } catch (GeneralSecurityException e) {
            throw new InvalidKeyException("no Ed25519 in this JDK", e);
        }
        ed25519.initSign(key);
    }

    @Override
    protected void engineUpdate(byte b) {
        sha256.update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) {
        sha256.update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        ed25519.update(sha256.digest());
        return ed25519.sign();
    }

    @Override
    protected void engineInitVerify(PublicKey key) throws InvalidKeyException {
        throw new InvalidKeyException("signing only");
    }

    @Override
    protected boolean engineVerify(byte[] sig) throws SignatureException {
        throw new SignatureException("signing only");
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) {
        throw new UnsupportedOperationException();
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) {
        throw new UnsupportedOperationException();
    }
}
