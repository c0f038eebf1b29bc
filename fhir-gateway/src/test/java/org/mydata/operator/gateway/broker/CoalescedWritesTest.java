package org.mydata.operator.gateway.broker;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.lang.reflect.Proxy;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;

class CoalescedWritesTest {
    /** The container's writer: what reached it, and how often it was told to send what it holds. */
    private static final class Container extends Writer {
        final StringWriter received = new StringWriter();
        int flushes;
        boolean resetCalled;

        @Override
        public void write(char[] chars, int offset, int length) {
            received.write(chars, offset, length);
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void close() {
        }

        HttpServletResponse response() {
            PrintWriter writer = new PrintWriter(this);
            return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> switch (method.getName()) {
                        case "getWriter" -> writer;
                        case "resetBuffer", "reset" -> {
                            resetCalled = true;
                            received.getBuffer().setLength(0);
                            yield null;
                        }
                        default -> null;
                    });
        }
    }

    private static Bundle page(int resources) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        for (int i = 0; i < resources; i++) {
            Observation o = new Observation();
            o.setId("Observation/o" + i);
            o.getCode().addCoding().setSystem("http://loinc.org").setCode("8302-2").setDisplay("Body height");
            o.getSubject().setReference("Patient/p");
            bundle.addEntry().setResource(o);
        }
        return bundle;
    }

    @Test
    void hapisEncodingReachesTheContainerWholeAndInOrderWithoutItsFlushes() throws IOException {
        FhirContext fhir = FhirContext.forR4Cached();
        Bundle bundle = page(300);
        Container container = new Container();
        CoalescedWrites response = new CoalescedWrites(container.response());

        PrintWriter writer = response.getWriter();
        fhir.newJsonParser().encodeResourceToWriter(bundle, writer);
        writer.close();

        assertThat(container.received.toString()).isEqualTo(fhir.newJsonParser().encodeResourceToString(bundle));
        // Jackson flushed after every string field; none of them reached the container.
        assertThat(container.flushes).isZero();
    }

    @Test
    void whatWaitsGoesOutWhenTheRequestEndsEvenUnclosed() throws IOException {
        Container container = new Container();
        CoalescedWrites response = new CoalescedWrites(container.response());
        response.getWriter().write("{\"resourceType\":\"OperationOutcome\"}");
        response.getWriter().flush();
        assertThat(container.received.toString()).isEmpty();

        response.finish();

        assertThat(container.received.toString()).isEqualTo("{\"resourceType\":\"OperationOutcome\"}");
    }

    @Test
    void aResetDropsWhatWaitsWithWhatTheContainerHolds() throws IOException {
        Container container = new Container();
        CoalescedWrites response = new CoalescedWrites(container.response());
        response.getWriter().write("half of an answer");
        response.resetBuffer();
        response.getWriter().write("{}");
        response.finish();

        assertThat(container.resetCalled).isTrue();
        assertThat(container.received.toString()).isEqualTo("{}");
    }

    @Test
    void aLongAnswerPassesThroughInBlocksAsItIsWritten() throws IOException {
        Container container = new Container();
        CoalescedWrites response = new CoalescedWrites(container.response());
        String line = "x".repeat(1000) + "\n";
        for (int i = 0; i < 40; i++) {
            response.getWriter().write(line);
        }
        // No more than one block waits: a long answer is not held whole.
        assertThat(container.received.toString().length()).isGreaterThanOrEqualTo(40 * line.length()
                - CoalescedWrites.BLOCK);

        response.finish();

        assertThat(container.received.toString()).isEqualTo(line.repeat(40));
    }
}
