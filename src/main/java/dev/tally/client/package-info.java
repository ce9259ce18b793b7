/**
 * {@link dev.tally.client.TallyClient}, a reactive Java client of Tally's HTTP API that streams a
 * publisher's records as one upload, full duplex, and turns the job's events into {@link
 * dev.tally.client.UploadEvent}s as chunks commit. It depends on no other package of Tally, only on
 * Reactor Netty, Reactor and Jackson, and promises backpressure from Tally's reads back to the
 * publisher, every line accounted for, and no line applied twice when it resumes an upload.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {})
package dev.tally.client;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
