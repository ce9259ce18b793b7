package dev.tally.access;

import dev.tally.system.TallyProperties;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The tokens that open the API, by hash: those of the properties, else the one made up at
 * start-up when neither the properties nor the table {@code tally.token} hold any (so that the
 * service never runs open by accident), then the table's, read on each request so that a row added
 * or deleted takes effect at once.
 */
@Component
public class Tokens implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(Tokens.class);

    private static final String FIND_SQL = "SELECT name, scopes FROM tally.token WHERE sha256 = $1";
    private static final String ANY_SQL = "SELECT EXISTS (SELECT FROM tally.token) AS any";

    private final DatabaseClient db;
    private final boolean enabled;
    private final Map<String, Caller> configured = new HashMap<>();

    Tokens(DatabaseClient db, TallyProperties properties) {
        this.db = db;
        this.enabled = properties.security().enabled();
        properties
                .security()
                .tokens()
                .forEach(token -> configured.put(token.sha256(), new Caller(token.name(), Set.copyOf(token.scopes()))));
    }

    /** Whether requests need a token: false only with {@code tally.security.enabled=false}. */
    public boolean enabled() {
        return enabled;
    }

    /** The caller the token names; empty for a token no one issued. */
    Mono<Caller> find(String token) {
        String hash = TokenHash.of(token);
        Caller caller = configured.get(hash);
        return caller != null
                ? Mono.just(caller)
                : db.sql(FIND_SQL)
                        .bind("$1", hash)
                        .map(row ->
                                new Caller(row.get("name", String.class), Set.of(row.get("scopes", String[].class))))
                        .one();
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (!enabled) {
            log.warn(
                    "tally.security.enabled=false: every client may upload to and read every dataset, without a token");
            return;
        }
        if (configured.isEmpty()
                && !Boolean.TRUE.equals(db.sql(ANY_SQL)
                        .map(row -> row.get("any", Boolean.class))
                        .one()
                        .block(Duration.ofSeconds(30)))) {
            String token = generate();
            configured.put(TokenHash.of(token), new Caller("generated", Set.of(Caller.ADMIN)));
            log.warn(
                    "No token is configured (tally.security.tokens, table tally.token): this run's admin token is {}"
                            + " . It is printed only here and stops working when the service stops.",
                    token);
        }
    }

    private static String generate() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return "tally_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
