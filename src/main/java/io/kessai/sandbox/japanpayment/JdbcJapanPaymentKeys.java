package io.kessai.sandbox.japanpayment;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The sandbox's RSA key pairs by name in Kessai's database, table {@code sandbox_japan_payment_keys}: made once
 * (an RSA 2048 prime search is the slowest step of a start while the JIT is cold) and read on every later start.
 * Two Kessai processes starting at once on one database keep the pair stored first.
 */
public final class JdbcJapanPaymentKeys {
    private final DataSource dataSource;

    public JdbcJapanPaymentKeys(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The stored pair called {@code name}, or a new one from {@code make}, stored under that name. */
    public KeyPair loadOrMake(String name, Supplier<KeyPair> make) {
        Optional<KeyPair> stored = load(name);
        if (stored.isPresent()) {
            return stored.get();
        }
        KeyPair made = make.get();
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO sandbox_japan_payment_keys (name, private_key) VALUES (?, ?)")) {
            insert.setString(1, name);
            insert.setString(2, Base64.getEncoder().encodeToString(made.getPrivate().getEncoded()));
            insert.executeUpdate();
            return made;
        } catch (SQLException e) {
            // Another process stored its pair first: use that one, so that both sign and verify alike.
            return load(name).orElseThrow(() -> new IllegalStateException(
                    "Japan Payment sandbox: cannot store its key pair " + name + " (" + e.getSQLState() + ")", e));
        }
    }

    private Optional<KeyPair> load(String name) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement(
                     "SELECT private_key FROM sandbox_japan_payment_keys WHERE name = ?")) {
            select.setString(1, name);
            try (ResultSet r = select.executeQuery()) {
                return r.next() ? Optional.of(pair(r.getString(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Japan Payment sandbox: cannot read its key pair " + name
                    + " (" + e.getSQLState() + ")", e);
        }
    }

    private static KeyPair pair(String pkcs8) {
        try {
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            RSAPrivateCrtKey key = (RSAPrivateCrtKey) rsa.generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pkcs8)));
            PublicKey publicKey = rsa.generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
            return new KeyPair(publicKey, key);
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalStateException("Japan Payment sandbox: its stored key pair is not an RSA key", e);
        }
    }
}
