package io.kessai.provider.japanpayment;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Japan Payment {@code sign} (providers.md, japan-payment): SHA256withRSA (configurable, e.g.
 * SHA1withRSA) over every top-level field except {@code sign} whose value is neither null nor empty, sorted
 * by key in byte order, written {@code key=value} (numbers as their JSON text) and joined with {@code &};
 * the signature is standard Base64.
 */
public final class JapanPaymentSignature {
    private final String algorithm;

    public JapanPaymentSignature(String algorithm) {
        if (algorithm == null || algorithm.isBlank()) {
            throw new IllegalArgumentException("kessai.providers.japan-payment.sign-algorithm is not set");
        }
        try {
            Signature.getInstance(algorithm);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("kessai.providers.japan-payment.sign-algorithm: " + algorithm
                    + " is not a signature algorithm of this JVM");
        }
        this.algorithm = algorithm;
    }

    /** The string that is signed: {@code key=value&...} over the non-empty fields except sign, by key. */
    public static String canonical(JsonNode object) {
        Map<byte[], String> sorted = new TreeMap<>(JapanPaymentSignature::compareBytes);
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode v = f.getValue();
            if ("sign".equals(f.getKey()) || v == null || v.isNull()) {
                continue;
            }
            // Numbers as their JSON text: parse with USE_BIG_DECIMAL_FOR_FLOATS so that 4.990 stays 4.990.
            String text = v.isBigDecimal() ? v.decimalValue().toPlainString() : v.isValueNode() ? v.asText() : v.toString();
            if (text.isEmpty()) {
                continue;
            }
            sorted.put(f.getKey().getBytes(StandardCharsets.UTF_8), f.getKey() + "=" + text);
        }
        return String.join("&", sorted.values());
    }

    private static int compareBytes(byte[] a, byte[] b) {
        return java.util.Arrays.compareUnsigned(a, b);
    }

    public String sign(JsonNode object, PrivateKey key) {
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(canonical(object).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + algorithm, e);
        }
    }

    /** Whether {@code object.sign} is a valid signature of its other fields by the holder of {@code key}. */
    public boolean verify(JsonNode object, PublicKey key) {
        JsonNode sign = object.get("sign");
        if (sign == null || !sign.isTextual()) {
            return false;
        }
        try {
            byte[] signature = Base64.getMimeDecoder().decode(sign.textValue());
            Signature s = Signature.getInstance(algorithm);
            s.initVerify(key);
            s.update(canonical(object).getBytes(StandardCharsets.UTF_8));
            return s.verify(signature);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    // ---- keys ---------------------------------------------------------------------------------

    /** A PKCS#8 private key ("BEGIN PRIVATE KEY"), given as PEM text or as {@code file:<path>}. */
    public static PrivateKey privateKey(String pemOrFile, String key) {
        byte[] der = der(read(pemOrFile, key), "PRIVATE KEY", key);
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(key + " is not an RSA private key in PKCS#8 PEM"
                    + " (convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem)");
        }
    }

    /** An X.509 SubjectPublicKeyInfo public key ("BEGIN PUBLIC KEY"), PEM text or {@code file:<path>}. */
    public static PublicKey publicKey(String pemOrFile, String key) {
        byte[] der = der(read(pemOrFile, key), "PUBLIC KEY", key);
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(key + " is not an RSA public key in PEM (BEGIN PUBLIC KEY)");
        }
    }

    /** A fresh RSA 2048 key pair (Kessai's per-run key with the sandbox, and the sandbox's own). */
    public static java.security.KeyPair newKeyPair() {
        try {
            java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an RSA key pair", e);
        }
    }

    public static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static String read(String pemOrFile, String key) {
        if (pemOrFile == null || pemOrFile.isBlank()) {
            throw new IllegalArgumentException(key + " is not set");
        }
        if (pemOrFile.startsWith("file:")) {
            try {
                return Files.readString(Path.of(pemOrFile.substring("file:".length())), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalArgumentException(key + ": cannot read " + pemOrFile.substring("file:".length()));
            }
        }
        return pemOrFile.replace("\\n", "\n");
    }

    private static byte[] der(String pem, String type, String key) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf(end);
        if (b < 0 || e < b) {
            throw new IllegalArgumentException(key + " must be PEM text (" + begin + ") or file:<path>");
        }
        try {
            return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(key + " has a PEM body that is not Base64");
        }
    }
}
