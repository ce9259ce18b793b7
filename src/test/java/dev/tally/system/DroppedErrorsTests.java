package dev.tally.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/** How an error that arrives after its operation ended is logged: what the driver drops when a database restarts. */
@ExtendWith(OutputCaptureExtension.class)
class DroppedErrorsTests {

    @Test
    void aConnectionLostAfterItsOperationEndedIsAWarning(CapturedOutput output) {
        new DroppedErrors();
        Operators.onErrorDropped(
                Exceptions.errorCallbackNotImplemented(
                        new IOException("sendAddress(..) failed with error(-32): Broken pipe")),
                Context.empty());
        Operators.onErrorDropped(new R2dbcNonTransientResourceException("connection closed"), Context.empty());
        assertThat(output.getOut().lines().filter(line -> line.contains("dev.tally.system.DroppedErrors ")))
                .hasSize(2)
                .allSatisfy(line -> assertThat(line).contains(" WARN ").contains("A connection failed after"));
    }

    @Test
    void anyOtherDroppedErrorStaysAnError(CapturedOutput output) {
        new DroppedErrors();
        Operators.onErrorDropped(new IllegalStateException("a defect"), Context.empty());
        assertThat(output.getOut().lines().filter(line -> line.contains("dev.tally.system.DroppedErrors ")))
                .singleElement()
                .satisfies(line -> assertThat(line).contains(" ERROR ").contains("after its operation had ended"));
        assertThat(output.getOut()).contains("IllegalStateException: a defect");
    }
}
