package org.klp.packaging.pgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.packaging.testing.TestKeys;
import org.klp.packaging.testing.Tools;

/** The JDK-only verifier against signatures by Bouncy Castle (klp-pack) and by GnuPG. */
class TrustedKeysTest {

    static final byte[] DATA = "<repomd>…</repomd>\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    static TrustedKeys trusted() {
        return TrustedKeys.parse(TestKeys.repository().publicKeyArmored().getBytes(StandardCharsets.US_ASCII), "test key");
    }

    @Test
    void verifiesKlpPackSignaturesArmoredAndBinary() {
        SigningKey key = TestKeys.signing();
        assertThat(trusted().verify(DATA, key.signArmored(DATA).getBytes(StandardCharsets.US_ASCII), "x")).isEqualTo(key.keyId());
        assertThat(trusted().verify(DATA, key.sign(DATA), "x")).isEqualTo(key.keyId());
        assertThat(trusted().keyIds()).contains(key.keyId());
    }

    @Test
    void bouncyCastleVerifiesTheSignaturesTheJdkMakes() throws Exception {
        byte[] sig = TestKeys.signing().sign(DATA);
        var objects = new org.bouncycastle.openpgp.PGPObjectFactory(sig, new org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator());
        var signature = ((org.bouncycastle.openpgp.PGPSignatureList) objects.nextObject()).get(0);
        var ring = new org.bouncycastle.openpgp.PGPPublicKeyRing(
                org.bouncycastle.openpgp.PGPUtil.getDecoderStream(new java.io.ByteArrayInputStream(TestKeys.signing().publicKeyArmoredBytes())),
                new org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator());
        signature.init(new org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider(), ring.getPublicKey(signature.getKeyID()));
        signature.update(DATA);
        assertThat(signature.verify()).isTrue();
        assertThat(signature.getHashAlgorithm()).isEqualTo(org.bouncycastle.bcpg.HashAlgorithmTags.SHA256);
        assertThat(ring.getPublicKey().getUserIDs().next()).isEqualTo("klp test repository <klp-test@example.org>");
        assertThat(TestKeys.signing().fingerprint()).isEqualTo(TestKeys.repository().fingerprint());
    }

    @Test
    void passphraseProtectedOrPublicKeysAreNotSigningKeys() {
        assertThatThrownBy(() -> SigningKey.parse(TestKeys.repository().publicKeyArmored().getBytes(StandardCharsets.US_ASCII), "klp.asc"))
                .hasMessageContaining("it is a public key");
    }

    @Test
    void changedDataFails() {
        byte[] sig = TestKeys.signing().sign(DATA);
        byte[] changed = DATA.clone();
        changed[0] = 'x';
        assertThatThrownBy(() -> trusted().verify(changed, sig, "repomd.xml of test"))
                .isInstanceOf(SignatureException.class).hasMessageContaining("repomd.xml of test").hasMessageContaining("does not match");
    }

    @Test
    void otherKeyIsNotTrusted() {
        byte[] sig = TestKeys.strangerSigning().sign(DATA);
        assertThatThrownBy(() -> trusted().verify(DATA, sig, "x"))
                .isInstanceOf(SignatureException.class).hasMessageContaining("not trusted").hasMessageContaining(TestKeys.strangerSigning().keyId());
    }

    @Test
    void damagedArmorAndGarbageAreRefused() {
        String armored = TestKeys.signing().signArmored(DATA);
        int at = armored.indexOf("\n\n") + 5;
        String damaged = armored.substring(0, at) + (armored.charAt(at) == 'A' ? 'B' : 'A') + armored.substring(at + 1);
        assertThatThrownBy(() -> trusted().verify(DATA, damaged.getBytes(StandardCharsets.US_ASCII), "x"))
                .isInstanceOf(SignatureException.class);
        assertThatThrownBy(() -> trusted().verify(DATA, "hello".getBytes(StandardCharsets.US_ASCII), "x"))
                .isInstanceOf(SignatureException.class).hasMessageContaining("damaged");
        assertThatThrownBy(() -> TrustedKeys.parse("not a key".getBytes(StandardCharsets.US_ASCII), "keyfile"))
                .hasMessageContaining("keyfile is not an OpenPGP public key");
    }

    @Test
    void verifiesGnupgSignaturesAndRefusesSha1() throws Exception {
        Path home = Files.createDirectories(dir.resolve("gnupg"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", home.toString());
        Tools.run(null, 120, env, List.of("gpg", "--batch", "--passphrase", "", "--quick-gen-key", "gpg user <g@example.org>", "rsa2048", "sign", "never")).ok();
        Path data = dir.resolve("repomd.xml");
        Files.write(data, DATA);
        Tools.run(null, 60, env, List.of("gpg", "--batch", "--armor", "--digest-algo", "SHA256", "--detach-sign", "-o",
                dir.resolve("repomd.xml.asc").toString(), data.toString())).ok();
        Tools.run(null, 60, env, List.of("gpg", "--batch", "--digest-algo", "SHA1", "--detach-sign", "-o",
                dir.resolve("sha1.sig").toString(), data.toString())).ok();
        String key = Tools.run(null, 60, env, List.of("gpg", "--batch", "--armor", "--export")).ok().out();
        TrustedKeys gpgKeys = TrustedKeys.parse(key.getBytes(StandardCharsets.US_ASCII), "gpg export");
        assertThat(gpgKeys.verify(DATA, Files.readAllBytes(dir.resolve("repomd.xml.asc")), "x")).hasSize(16);
        assertThatThrownBy(() -> gpgKeys.verify(DATA, Files.readAllBytes(dir.resolve("sha1.sig")), "x"))
                .isInstanceOf(SignatureException.class).hasMessageContaining("weak hash");
    }
}
