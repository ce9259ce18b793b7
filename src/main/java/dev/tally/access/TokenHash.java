package dev.tally.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A token as it is stored: the lower-case hex SHA-256 of its UTF-8 bytes, what {@code printf %s
 * "$TOKEN" | sha256sum} prints. Tokens are long and random, so a fast hash is enough: there is no
 * password to guess from it.
 */
public final class TokenHash {

    private TokenHash() {}

    public static String of(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
