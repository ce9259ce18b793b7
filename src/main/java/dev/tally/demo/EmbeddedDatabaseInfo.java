package dev.tally.demo;

import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** {@code /actuator/info} says when the demo runs on its embedded PostgreSQL, and where its data lives. */
@Component
class EmbeddedDatabaseInfo implements InfoContributor {

    private final ObjectProvider<EmbeddedDatabase> database;

    EmbeddedDatabaseInfo(ObjectProvider<EmbeddedDatabase> database) {
        this.database = database;
    }

    @Override
    public void contribute(Info.Builder builder) {
        database.ifAvailable(db -> builder.withDetail(
                "database",
                Map.of(
                        "embedded", true,
                        "postgresql", db.version(),
                        "port", db.port(),
                        "dataDirectory", db.dataDirectory().toString())));
    }
}
