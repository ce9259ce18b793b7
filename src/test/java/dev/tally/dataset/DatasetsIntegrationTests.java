package dev.tally.dataset;

import dev.tally.TallyIntegrationTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.json.JsonCompareMode;
import org.springframework.test.web.reactive.server.WebTestClient;

@TallyIntegrationTest
class DatasetsIntegrationTests {

    @Autowired
    private WebTestClient client;

    @Test
    void listsEveryConfiguredDatasetInConfigurationOrder() {
        client.get()
                .uri("/v1/datasets")
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentType(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.datasets[*].name")
                .isEqualTo(List.of("customers", "things", "typed", "refused"))
                .jsonPath("$.datasets[*].table")
                .isEqualTo(List.of("public.customers", "public.things", "public.typed", "public.refused"));
    }

    @Test
    void showsTableKeyVersionColumnColumnsAndPoliciesOfADataset() {
        client.get()
                .uri("/v1/datasets/customers")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .json("""
                        {
                          "name": "customers",
                          "table": "public.customers",
                          "key": ["id"],
                          "versionColumn": "updated_at",
                          "columns": [
                            {"name": "id",         "type": "bigint",                   "nullable": false, "hasDefault": false},
                            {"name": "email",      "type": "text",                     "nullable": false, "hasDefault": false},
                            {"name": "name",       "type": "text",                     "nullable": false, "hasDefault": false},
                            {"name": "balance",    "type": "numeric(12,2)",            "nullable": false, "hasDefault": true},
                            {"name": "attrs",      "type": "jsonb",                    "nullable": true,  "hasDefault": false},
                            {"name": "updated_at", "type": "timestamp with time zone", "nullable": false, "hasDefault": false}
                          ],
                          "policies": ["skip", "update", "update-if-newer", "fail"]
                        }
                        """, JsonCompareMode.STRICT);
    }

    @Test
    void keyDefaultsToThePrimaryKey() {
        client.get()
                .uri("/v1/datasets/things")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.key")
                .isEqualTo(List.of("id"))
                .jsonPath("$.versionColumn")
                .isEqualTo("version");
    }

    @Test
    void datasetWithoutVersionColumnDoesNotOfferUpdateIfNewer() {
        client.get()
                .uri("/v1/datasets/typed")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.key")
                .isEqualTo(List.of("id"))
                .jsonPath("$.versionColumn")
                .isEqualTo(null)
                .jsonPath("$.policies")
                .isEqualTo(List.of("skip", "update", "fail"));
    }

    @Test
    void unknownDatasetIsNotFoundAsProblemNamingIt() {
        client.get()
                .uri("/v1/datasets/nope")
                .exchange()
                .expectStatus()
                .isNotFound()
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .json("""
                        {"title": "Unknown dataset", "status": 404,
                         "detail": "No dataset named 'nope' is configured", "instance": "/v1/datasets/nope"}
                        """, JsonCompareMode.STRICT);
    }
}
