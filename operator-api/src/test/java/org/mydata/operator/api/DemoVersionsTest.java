package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mydata.operator.api.demo.DemoVersionsSeeder;
import org.mydata.operator.programme.Amendments;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeAmendments;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.ProgrammeVersion;
import org.mydata.operator.store.Transactions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The embedded default's demo: an amended programme with a donor on each of its two versions. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DemoVersionsTest {
    @DynamicPropertySource
    static void demo(DynamicPropertyRegistry registry) throws IOException {
        Path dataDir = Files.createTempDirectory("operator-demo-versions");
        registry.add("operator.data-dir", dataDir::toString);
        registry.add("operator.embedded.demo-versions", () -> "true");
    }

    @Autowired
    ProgrammeRegistry programmes;
    @Autowired
    ProgrammeAmendments amendments;
    @Autowired
    Transactions tx;

    @Test
    void theDemoHasAnAmendedProgrammeWithPeopleOnBothVersions() {
        Programme programme = programmes.findByName(DemoVersionsSeeder.PROGRAMME_NAME).orElseThrow();
        List<ProgrammeVersion> versions = amendments.versions(programme.id());
        assertThat(versions).extracting(ProgrammeVersion::version).containsExactly(1, 2);
        assertThat(versions.get(1).direction()).isEqualTo(Amendments.Direction.WIDENING);
        List<Integer> live = tx.read(c -> {
            try (var ps = c.prepareStatement("select coalesce(programme_version, 1) from consent "
                    + "where programme_id = ? and withdrawn_at is null order by 1")) {
                ps.setObject(1, programme.id());
                try (var rs = ps.executeQuery()) {
                    List<Integer> found = new java.util.ArrayList<>();
                    while (rs.next()) {
                        found.add(rs.getInt(1));
                    }
                    return found;
                }
            }
        });
        assertThat(live).containsExactly(1, 2);
    }
}
