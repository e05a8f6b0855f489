package org.klp.server.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Makes and hashes the server's secrets: admin tokens, registration codes, system passwords.
 *
 * <p>Every secret is generated here with at least 100 bits from {@link SecureRandom}, so it cannot
 * be guessed or found by a dictionary; a plain SHA-256 of it is therefore as safe to store as a
 * slow password hash, and lets the check-in path verify a system's password in a microsecond
 * (a slow hash would cap the fleet's check-in rate). Only hashes are stored.
 */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] BASE32 = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".toCharArray();

    private Secrets() {
    }

    public static String hash(String secret) {
        return HexFormat.of().formatHex(digest(secret));
    }

    /**
     * Constant-time comparison of a presented secret with a stored hash (64 hex digits); a stored
     * value of any other shape matches nothing.
     */
    public static boolean matches(String secret, String storedHash) {
        byte[] stored;
        try {
            stored = storedHash.length() == 64 ? HexFormat.of().parseHex(storedHash) : null;
        } catch (IllegalArgumentException notHex) {
            stored = null;
        }
        byte[] presented = digest(secret);
        return MessageDigest.isEqual(presented, stored == null ? new byte[presented.length + 1] : stored);
    }

    /** One SHA-256 per thread: looking the algorithm up among the providers costs more than hashing a password. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private static byte[] digest(String secret) {
        MessageDigest sha = SHA256.get();
        sha.reset();
        return sha.digest(secret.getBytes(StandardCharsets.UTF_8));
    }

    /** An admin token, {@code klp_} and 43 characters (256 bits). */
    public static String adminToken() {
        return "klp_" + random(32);
    }

    /** A system password (192 bits). */
    public static String password() {
        return random(24);
    }

    /** A system login as SCC makes them: {@code SCC_} and 32 hex digits. */
    public static String login() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return "SCC_" + HexFormat.of().formatHex(b);
    }

    /** A registration code a person can type: {@code KLP-XXXX-XXXX-XXXX-XXXX-XXXX} (100 bits). */
    public static String registrationCode() {
        StringBuilder sb = new StringBuilder("KLP");
        for (int i = 0; i < 20; i++) {
            if (i % 4 == 0) {
                sb.append('-');
            }
            sb.append(BASE32[RANDOM.nextInt(BASE32.length)]);
        }
        return sb.toString();
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
