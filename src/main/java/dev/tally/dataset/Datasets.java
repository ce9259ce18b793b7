package dev.tally.dataset;

import dev.tally.system.DatabaseSetup;
import dev.tally.system.TallyProperties;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The configured datasets, each checked against the catalog once at start-up: the service does not
 * start if a table, key or version column is missing, or a key has no unique index.
 */
@Component
public class Datasets {

    private final Map<String, Dataset> byName = new LinkedHashMap<>();

    Datasets(TallyProperties properties, DatabaseSetup database) throws SQLException {
        try (Connection connection = database.openJdbc()) {
            CatalogReader catalog = new CatalogReader(connection);
            for (var entry : properties.datasets().entrySet()) {
                var config = entry.getValue();
                try {
                    TableSchema schema = catalog.read(config.table(), config.key(), config.versionColumn());
                    byName.put(entry.getKey(), new Dataset(entry.getKey(), schema));
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(
                            "Dataset %s (tally.datasets.%s): %s"
                                    .formatted(entry.getKey(), entry.getKey(), e.getMessage()),
                            e);
                }
            }
        }
    }

    public Optional<Dataset> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<Dataset> all() {
        return byName.values();
    }
}
