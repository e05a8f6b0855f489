package org.klp.packaging.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.klp.packaging.pgp.KeyPairGenerator;
import org.klp.packaging.pgp.SigningKey;

/** Signing keys for tests: generated once per test JVM (RSA key generation takes a while), 2048 bits. */
public final class TestKeys {

    private static KeyPairGenerator.GeneratedKey repository;
    private static KeyPairGenerator.GeneratedKey other;

    private TestKeys() {
    }

    public static synchronized KeyPairGenerator.GeneratedKey repository() {
        if (repository == null) {
            repository = KeyPairGenerator.generate("klp test repository <klp-test@example.org>", 2048);
        }
        return repository;
    }

    /** A second key nobody trusts. */
    public static synchronized KeyPairGenerator.GeneratedKey stranger() {
        if (other == null) {
            other = KeyPairGenerator.generate("someone else <stranger@example.org>", 2048);
        }
        return other;
    }

    public static SigningKey signing() {
        return SigningKey.parse(repository().secretKeyArmored().getBytes(StandardCharsets.US_ASCII), "test key");
    }

    public static SigningKey strangerSigning() {
        return SigningKey.parse(stranger().secretKeyArmored().getBytes(StandardCharsets.US_ASCII), "stranger key");
    }

    /** Writes the public key as an armored file into {@code dir}. */
    public static Path publicKeyFile(Path dir) {
        try {
            Path f = dir.resolve("klp-test.asc");
            Files.writeString(f, repository().publicKeyArmored(), StandardCharsets.US_ASCII);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path secretKeyFile(Path dir) {
        try {
            Path f = dir.resolve("klp-test.secret.asc");
            Files.writeString(f, repository().secretKeyArmored(), StandardCharsets.US_ASCII);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
