package io.kessai.provider.japanpayment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Japan Payment {@code sign} (providers.md) and its interoperability with another implementation: the
 * {@code openssl} command line. Keys are generated at run time; none is stored in the repository.
 */
class JapanPaymentSignatureTest {

    private static final ObjectMapper M = new ObjectMapper();

    /** The document's apply request sample, with its (foreign, unverifiable) sign. */
    private static final String DOCUMENT_APPLY_SAMPLE = """
            {
            "appId": 1054,
            "orderId": "M233323000059",
            "amount": "300",
            "phone": "09230219312",
            "email": "23423@qq.com",
            "name": "test",
            "inBankCode": "PH_QRPH_DYNAMIC",
            "payType": "QR",
            "partnerUserId": "149597870",
            "sign": "af0gAHkUOyYHu9owQp8NJ4mPEeUW4vuJcjdxqLIzrVw8AvpLSjD1DXupReSG/CyuSkFRyiIvCp5u703AuGGmfg=="
            }""";

    private static final String DOCUMENT_APPLY_CANONICAL = "amount=300&appId=1054&email=23423@qq.com"
            + "&inBankCode=PH_QRPH_DYNAMIC&name=test&orderId=M233323000059&partnerUserId=149597870&payType=QR"
            + "&phone=09230219312";

    private static final JapanPaymentSignature SHA256 = new JapanPaymentSignature("SHA256withRSA");

    private static String openssl;   // null when not installed

    @TempDir
    Path dir;

    @BeforeAll
    static void findOpenssl() {
        for (String candidate : List.of("/usr/bin/openssl", "/usr/local/bin/openssl", "openssl")) {
            try {
                Process p = new ProcessBuilder(candidate, "version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    openssl = candidate;
                    return;
                }
            } catch (IOException e) {
                // try the next one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void requireOpenssl() {
        if (openssl != null) {
            return;
        }
        String message = "openssl is not installed: the interoperability tests with openssl are SKIPPED";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + " (not allowed when CI=true)");
        }
        System.err.println("WARNING: " + message);
        Assumptions.abort(message);
    }

    /** Runs openssl; returns its exit code; output (never key material: only status lines) goes to {@code out}. */
    private static int run(List<String> out, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(openssl);
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("openssl finished").isTrue();
        out.add(text);
        return p.exitValue();
    }

    /** key.pem (PKCS#8 private key) and pub.pem (SubjectPublicKeyInfo) made by openssl in the temp dir. */
    private Path[] opensslKeyPair() throws Exception {
        Path key = dir.resolve("key.pem");
        Path pub = dir.resolve("pub.pem");
        List<String> out = new ArrayList<>();
        assertThat(run(out, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                key.toString())).as("openssl genpkey").isZero();
        assertThat(run(out, "pkey", "-in", key.toString(), "-pubout", "-out", pub.toString()))
                .as("openssl pkey -pubout").isZero();
        return new Path[] {key, pub};
    }

    private static ObjectNode sample() throws IOException {
        return (ObjectNode) M.readTree(DOCUMENT_APPLY_SAMPLE);
    }

    private static KeyPair javaKeyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    // (a)
    @Test
    void opensslSignatureVerifiesInKessai() throws Exception {
        requireOpenssl();
        Path[] keys = opensslKeyPair();
        ObjectNode request = sample();
        Path data = dir.resolve("canonical.txt");
        // the string as the provider would build it, independently of JapanPaymentSignature.canonical
        Files.write(data, DOCUMENT_APPLY_CANONICAL.getBytes(StandardCharsets.UTF_8));
        Path sig = dir.resolve("sig.bin");
        List<String> out = new ArrayList<>();
        assertThat(run(out, "dgst", "-sha256", "-sign", keys[0].toString(), "-out", sig.toString(),
                data.toString())).as("openssl dgst -sign").isZero();
        request.put("sign", Base64.getEncoder().encodeToString(Files.readAllBytes(sig)));

        PublicKey publicKey = JapanPaymentSignature.publicKey("file:" + keys[1], "test public key");
        assertThat(SHA256.verify(request, publicKey)).isTrue();

        ObjectNode reordered = M.createObjectNode();   // field order in the JSON does not matter
        List<String> names = new ArrayList<>();
        request.fieldNames().forEachRemaining(names::add);
        for (int i = names.size() - 1; i >= 0; i--) {
            reordered.set(names.get(i), request.get(names.get(i)));
        }
        assertThat(SHA256.verify(reordered, publicKey)).isTrue();

        request.put("amount", "301");   // (f) with a foreign signature too
        assertThat(SHA256.verify(request, publicKey)).isFalse();
    }

    // (b)
    @Test
    void kessaiSignatureVerifiesInOpenssl() throws Exception {
        requireOpenssl();
        Path[] keys = opensslKeyPair();
        PrivateKey privateKey = JapanPaymentSignature.privateKey("file:" + keys[0], "test private key");
        ObjectNode request = sample();
        request.remove("sign");
        String sign = SHA256.sign(request, privateKey);
        Path data = dir.resolve("canonical.txt");
        Files.write(data, DOCUMENT_APPLY_CANONICAL.getBytes(StandardCharsets.UTF_8));
        Path sig = dir.resolve("sig.bin");
        Files.write(sig, Base64.getDecoder().decode(sign));
        List<String> out = new ArrayList<>();
        assertThat(run(out, "dgst", "-sha256", "-verify", keys[1].toString(), "-signature", sig.toString(),
                data.toString())).as("openssl dgst -verify").isZero();
        assertThat(out.get(out.size() - 1)).contains("Verified OK");

        Path altered = dir.resolve("altered.txt");
        Files.write(altered, DOCUMENT_APPLY_CANONICAL.replace("amount=300", "amount=301")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(run(out, "dgst", "-sha256", "-verify", keys[1].toString(), "-signature", sig.toString(),
                altered.toString())).as("openssl refuses an altered string").isNotZero();
    }

    // (e) with openssl as well
    @Test
    void sha1InteroperatesWithOpenssl() throws Exception {
        requireOpenssl();
        Path[] keys = opensslKeyPair();
        JapanPaymentSignature sha1 = new JapanPaymentSignature("SHA1withRSA");
        ObjectNode request = sample();
        request.put("sign", sha1.sign(request, JapanPaymentSignature.privateKey("file:" + keys[0], "k")));
        Path data = dir.resolve("canonical.txt");
        Files.write(data, DOCUMENT_APPLY_CANONICAL.getBytes(StandardCharsets.UTF_8));
        Path sig = dir.resolve("sig.bin");
        Files.write(sig, Base64.getDecoder().decode(request.get("sign").asText()));
        List<String> out = new ArrayList<>();
        assertThat(run(out, "dgst", "-sha1", "-verify", keys[1].toString(), "-signature", sig.toString(),
                data.toString())).isZero();
        assertThat(run(out, "dgst", "-sha256", "-verify", keys[1].toString(), "-signature", sig.toString(),
                data.toString())).isNotZero();
    }

    // (c)
    @Test
    void canonicalStringOfTheDocumentsApplySample() throws Exception {
        assertThat(JapanPaymentSignature.canonical(sample())).isEqualTo(DOCUMENT_APPLY_CANONICAL);
    }

    @Test
    void canonicalStringOfTheDocumentsQuerySample() throws Exception {
        JsonNode data = M.readTree("""
                {"orderId": "M22222000028", "orderNo": "6023042811314347", "amount": "50000.00",
                 "actualAmount": "0.00", "fee": "0.00", "status": 1, "sign": "fP43..."}""");
        assertThat(JapanPaymentSignature.canonical(data)).isEqualTo(
                "actualAmount=0.00&amount=50000.00&fee=0.00&orderId=M22222000028&orderNo=6023042811314347&status=1");
    }

    @Test
    void keysAreSortedInByteOrder() throws Exception {
        JsonNode node = M.readTree("{\"b\":\"2\",\"B\":\"1\",\"a\":\"3\",\"aa\":\"4\",\"_\":\"5\",\"é\":\"6\"}");
        // 'B' (0x42) < '_' (0x5F) < 'a' < 'aa' < 'b' < 'é' (0xC3 0xA9)
        assertThat(JapanPaymentSignature.canonical(node)).isEqualTo("B=1&_=5&a=3&aa=4&b=2&é=6");
    }

    // (d)
    @Test
    void nullAndEmptyFieldsAreLeftOut() throws Exception {
        ObjectNode request = sample();
        request.putNull("notifyUrl");
        request.put("subject", "");
        assertThat(JapanPaymentSignature.canonical(request)).isEqualTo(DOCUMENT_APPLY_CANONICAL);

        KeyPair pair = javaKeyPair();
        ObjectNode bare = sample();
        bare.put("sign", SHA256.sign(bare, pair.getPrivate()));
        bare.putNull("notifyUrl");
        bare.put("body", "");
        assertThat(SHA256.verify(bare, pair.getPublic())).isTrue();
    }

    // (e)
    @Test
    void sha1WithRsaWorksWhenConfigured() throws Exception {
        KeyPair pair = javaKeyPair();
        JapanPaymentSignature sha1 = new JapanPaymentSignature("SHA1withRSA");
        ObjectNode request = sample();
        request.put("sign", sha1.sign(request, pair.getPrivate()));
        assertThat(sha1.verify(request, pair.getPublic())).isTrue();
        assertThat(SHA256.verify(request, pair.getPublic())).isFalse();
        assertThatThrownBy(() -> new JapanPaymentSignature("NOPEwithRSA"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // (f)
    @Test
    void aTamperedFieldFailsVerification() throws Exception {
        KeyPair pair = javaKeyPair();
        ObjectNode request = sample();
        request.put("sign", SHA256.sign(request, pair.getPrivate()));
        assertThat(SHA256.verify(request, pair.getPublic())).isTrue();
        for (String field : List.of("amount", "orderId", "inBankCode", "partnerUserId")) {
            ObjectNode tampered = request.deepCopy();
            tampered.put(field, tampered.get(field).asText() + "1");
            assertThat(SHA256.verify(tampered, pair.getPublic())).as(field).isFalse();
        }
        ObjectNode appId = request.deepCopy();
        appId.put("appId", 1055);
        assertThat(SHA256.verify(appId, pair.getPublic())).isFalse();
        ObjectNode added = request.deepCopy();
        added.put("notifyUrl", "https://attacker.invalid/");
        assertThat(SHA256.verify(added, pair.getPublic())).isFalse();
        ObjectNode removed = request.deepCopy();
        removed.remove("phone");
        assertThat(SHA256.verify(removed, pair.getPublic())).isFalse();
        ObjectNode noSign = request.deepCopy();
        noSign.remove("sign");
        assertThat(SHA256.verify(noSign, pair.getPublic())).isFalse();
        ObjectNode garbage = request.deepCopy();
        garbage.put("sign", "not base64 at all");
        assertThat(SHA256.verify(garbage, pair.getPublic())).isFalse();
        assertThat(SHA256.verify(request, javaKeyPair().getPublic())).as("another key").isFalse();
    }
}
