package org.mydata.operator.api;

import java.util.Arrays;
import org.mydata.operator.verify.VerifyCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The operator: one executable for the API, the embedded authorization server and the demo source. With
 * {@code verify} as its first argument it is instead the auditor's verifier (operator-verify's, the same as
 * {@code java -jar operator-verify.jar}), which must not start Spring, a database or a server, so it is
 * dispatched before anything else happens. Auditors' scripts call it this way, so it stays.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class OperatorApplication {

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("verify")) {
            System.exit(VerifyCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out));
        }
        SpringApplication.run(OperatorApplication.class, args);
    }
}
