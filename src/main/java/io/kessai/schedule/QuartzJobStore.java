package io.kessai.schedule;

import org.quartz.utils.ConnectionProvider;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Quartz's JDBC job store on Kessai's own pooled DataSource: the Quartz properties camel-quartz is given,
 * and the connection provider Quartz instantiates by class name.
 */
public final class QuartzJobStore {
    private static final Map<String, DataSource> DATA_SOURCES = new ConcurrentHashMap<>();

    private QuartzJobStore() {
    }

    /**
     * @param schedulerName shared by every Kessai node of one cluster (one database)
     * @param postgres      whether the database is PostgreSQL (else H2's standard delegate)
     * @param checkinMs     how often a clustered node checks in; a node silent for about this long is taken as dead
     *                      and the jobs it was running are recovered by another
     */
    public static Map<String, Object> properties(String schedulerName, DataSource dataSource, boolean postgres,
                                                 boolean clustered, long checkinMs) {
        String key = schedulerName + "@" + System.identityHashCode(dataSource);
        DATA_SOURCES.put(key, dataSource);
        Map<String, Object> p = new HashMap<>();
        p.put("org.quartz.scheduler.instanceName", schedulerName);
        p.put("org.quartz.scheduler.instanceId", "AUTO");
        p.put("org.quartz.scheduler.skipUpdateCheck", "true");
        p.put("org.quartz.threadPool.threadCount", "2");
        p.put("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.put("org.quartz.jobStore.driverDelegateClass", postgres
                ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate" : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.put("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.put("org.quartz.jobStore.isClustered", String.valueOf(clustered));
        p.put("org.quartz.jobStore.clusterCheckinInterval", String.valueOf(checkinMs));
        p.put("org.quartz.jobStore.misfireThreshold", "60000");
        // Quartz keeps data sources in one JVM-wide registry by name: each Kessai gets its own name.
        String ds = "kessai_" + key.replaceAll("[^A-Za-z0-9]", "_");
        p.put("org.quartz.jobStore.dataSource", ds);
        p.put("org.quartz.dataSource." + ds + ".connectionProvider.class", Provider.class.getName());
        p.put("org.quartz.dataSource." + ds + ".key", key);
        return p;
    }

    public static void forget(String schedulerName, DataSource dataSource) {
        DATA_SOURCES.remove(schedulerName + "@" + System.identityHashCode(dataSource));
    }

    /** Instantiated by Quartz; {@link #setKey} names the DataSource registered above. */
    public static final class Provider implements ConnectionProvider {
        private String key;

        public void setKey(String key) {
            this.key = key;
        }

        @Override
        public Connection getConnection() throws SQLException {
            DataSource ds = DATA_SOURCES.get(key);
            if (ds == null) {
                throw new SQLException("Kessai's DataSource for Quartz is gone: " + key);
            }
            return ds.getConnection();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public void initialize() {
        }
    }

}
