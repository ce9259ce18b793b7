package dev.tally.ingest;

import dev.tally.dataset.ConflictPolicy;
import dev.tally.record.ParsedLine;
import dev.tally.record.RecordParser;
import dev.tally.upsert.ParsedChunk;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** An upload's chunks of lines parsed into rows, off the event loops. */
final class ChunkParsing {

    private final UploadContext upload;
    private final RecordParser parser;
    private final boolean perChunk;

    /** @param perChunk whether chunks commit one by one, and so need their keys for dispatch */
    ChunkParsing(UploadContext upload, boolean perChunk) {
        this.upload = upload;
        this.perChunk = perChunk;
        var settings = upload.settings();
        this.parser = new RecordParser(
                upload.dataset().schema(),
                settings.ignoreUnknownFields(),
                settings.onConflict() == ConflictPolicy.UPDATE_IF_NEWER);
    }

    Mono<ParsedChunk> parsed(LineChunk chunk) {
        return Mono.fromCallable(() -> parse(chunk)).subscribeOn(Schedulers.parallel());
    }

    private ParsedChunk parse(LineChunk chunk) {
        List<ParsedLine> parsed = new ArrayList<>(chunk.lines().size());
        chunk.lines().forEach(line -> parsed.add(parser.parse(line)));
        return ParsedChunk.of(
                chunk.number(),
                chunk.firstLine(),
                chunk.lastLine(),
                chunk.bytesRead(),
                parsed,
                perChunk ? upload.dataset().schema().uniqueIndexes() : List.of());
    }
}
