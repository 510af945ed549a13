package io.kessai.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An embedded H2 file store writes every commit to its file before the commit returns (WRITE_DELAY=0), unless
 * the URL chooses another WRITE_DELAY itself. KillNineOnH2Test proves what this buys: answers survive kill -9.
 */
class H2WriteDelayTest {
    @TempDir
    Path dir;

    @Test
    void anH2FileUrlWithoutWriteDelayGetsWriteDelayZero() {
        String url = "jdbc:h2:file:" + dir.resolve("plain/kessai");
        try (Database db = new Database(url, "sa", "", 2)) {
            assertThat(writeDelay(db)).isEqualTo("0");
        }
    }

    @Test
    void anH2FileUrlThatSetsWriteDelayKeepsItsChoice() {
        String url = "jdbc:h2:file:" + dir.resolve("chosen/kessai") + ";write_delay=500";
        try (Database db = new Database(url, "sa", "", 2)) {
            assertThat(writeDelay(db)).isEqualTo("500");
        }
    }

    @Test
    void onlyEmbeddedH2FileUrlsAreCompleted() {
        assertThat(Database.durable("jdbc:h2:file:./data/kessai")).isEqualTo("jdbc:h2:file:./data/kessai;WRITE_DELAY=0");
        assertThat(Database.durable("jdbc:h2:./data/kessai;MODE=PostgreSQL;"))
                .isEqualTo("jdbc:h2:./data/kessai;MODE=PostgreSQL;WRITE_DELAY=0");
        assertThat(Database.durable("jdbc:h2:file:./data/kessai;WRITE_DELAY=0")).isEqualTo("jdbc:h2:file:./data/kessai;WRITE_DELAY=0");
        for (String untouched : new String[] {"jdbc:h2:mem:k;DB_CLOSE_DELAY=-1", "jdbc:h2:tcp://127.0.0.1/~/k",
                "jdbc:h2:ssl://127.0.0.1/~/k", "jdbc:h2:zip:/tmp/k.zip!/k", "jdbc:postgresql://127.0.0.1:5432/test"}) {
            assertThat(Database.durable(untouched)).isEqualTo(untouched);
        }
    }

    private static String writeDelay(Database db) {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
