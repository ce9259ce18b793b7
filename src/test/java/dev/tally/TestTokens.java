package dev.tally;

/** The tokens of the test profile ({@code application-test.yml} holds their hashes). */
public final class TestTokens {

    /** Scope admin: what every test client sends unless a test is about access. */
    public static final String ADMIN = "test-admin-token";

    public static final String THINGS_WRITER = "test-things-writer";
    public static final String THINGS_READER = "test-things-reader";
    public static final String CUSTOMERS_ALL = "test-customers-all";

    private TestTokens() {}

    /** The {@code Authorization} header's value for the admin token. */
    public static String bearer() {
        return bearer(ADMIN);
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }
}
