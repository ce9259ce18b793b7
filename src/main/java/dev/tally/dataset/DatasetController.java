package dev.tally.dataset;

import dev.tally.access.Access;
import dev.tally.access.Caller;
import dev.tally.system.Problems;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/datasets} and {@code GET /v1/datasets/{name}}: what may be uploaded where. */
@RestController
class DatasetController implements DatasetsApi {

    private final Datasets datasets;

    DatasetController(Datasets datasets) {
        this.datasets = datasets;
    }

    @Override
    @GetMapping("/v1/datasets")
    public Map<String, List<DatasetDocument>> list(@RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
        return Map.of(
                "datasets",
                datasets.all().stream()
                        .filter(dataset -> caller.knows(dataset.name()))
                        .map(DatasetDocument::of)
                        .toList());
    }

    @Override
    @GetMapping("/v1/datasets/{name}")
    public DatasetDocument show(@PathVariable String name, @RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
        Access.requireReadOrWrite(caller, name);
        return datasets.find(name).map(DatasetDocument::of).orElseThrow(() -> Problems.unknownDataset(name));
    }

    record DatasetDocument(
            String name,
            String table,
            List<String> key,
            @Nullable String versionColumn,
            List<ColumnDocument> columns,
            List<String> policies) {

        static DatasetDocument of(Dataset dataset) {
            TableSchema schema = dataset.schema();
            return new DatasetDocument(
                    dataset.name(),
                    schema.schema() + "." + schema.table(),
                    schema.keyColumns().stream().map(Column::name).toList(),
                    schema.version().map(Column::name).orElse(null),
                    schema.columns().stream()
                            .map(c -> new ColumnDocument(c.name(), c.type().sqlType(), c.nullable(), c.hasDefault()))
                            .toList(),
                    dataset.policies().stream().map(ConflictPolicy::wireName).toList());
        }
    }

    record ColumnDocument(String name, String type, boolean nullable, boolean hasDefault) {}
}
