package dev.tally.loadtests;

/**
 * The token every request sends, {@code Authorization: Bearer <token>}: the system property {@code
 * token}, by default the demo profile's well-known admin token (the service refuses a request
 * without a known token with 401).
 */
final class ApiToken {

    static final String TOKEN = System.getProperty("token", "tally-demo-token");

    /** The value of the {@code Authorization} header. */
    static final String BEARER = "Bearer " + TOKEN;

    private ApiToken() {}
}
