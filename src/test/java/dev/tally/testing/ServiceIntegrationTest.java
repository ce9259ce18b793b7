package dev.tally.testing;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * An integration test class against the whole service ({@link TallyIntegrationTest}, whose cached
 * context it shares): each test starts with the {@code things} table empty and a client on the
 * service's port that sends the admin token.
 */
@TallyIntegrationTest
public abstract class ServiceIntegrationTest {

    protected final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    protected int port;

    protected UploadClient client;

    @BeforeEach
    final void startWithNoThings() {
        client = new UploadClient(port);
        db.update("TRUNCATE things");
    }
}
