package dev.tally.dataset;

import dev.tally.access.Caller;
import dev.tally.dataset.DatasetController.DatasetDocument;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.List;
import java.util.Map;

/** How the OpenAPI document describes {@code /v1/datasets}; {@link DatasetController} answers it. */
interface DatasetsApi {

    @Operation(operationId = "listDatasets", summary = "The configured datasets")
    Map<String, List<DatasetDocument>> list(@Parameter(hidden = true) Caller caller);

    @Operation(
            operationId = "showDataset",
            summary = "A dataset: table, key, columns, allowed policies",
            responses = {
                @ApiResponse(responseCode = "200", description = "The dataset"),
                @ApiResponse(responseCode = "404", description = "Unknown dataset")
            })
    DatasetDocument show(String name, @Parameter(hidden = true) Caller caller);
}
