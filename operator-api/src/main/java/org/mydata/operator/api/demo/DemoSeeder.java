package org.mydata.operator.api.demo;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.api.security.DemoIdentities;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.NewProgramme;
import org.mydata.operator.programme.ProgrammeTexts;
import org.mydata.operator.programme.Promise;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.source.NewSource;
import org.mydata.operator.source.SourceAuth;
import org.mydata.operator.source.SourceRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/**
 * Once the server listens: registers the demo source and the demo programme on first start (later
 * starts find them in the database), and prints where everything is.
 */
@Component
// Before the listeners that build on what it registers (amend: DemoVersionsSeeder).
@org.springframework.core.annotation.Order(org.springframework.core.Ordered.LOWEST_PRECEDENCE - 1)
public class DemoSeeder implements ApplicationListener<ApplicationReadyEvent> {
    private static final Logger log = LoggerFactory.getLogger(DemoSeeder.class);
    private final OperatorProperties properties;
    private final SourceRegistry sources;
    private final ProgrammeRegistry programmes;
    private final ObjectProvider<DemoIdentities> identities;

    public DemoSeeder(OperatorProperties properties, SourceRegistry sources, ProgrammeRegistry programmes,
                      ObjectProvider<DemoIdentities> identities) {
        this.properties = properties;
        this.sources = sources;
        this.programmes = programmes;
        this.identities = identities;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        if (!(event.getApplicationContext() instanceof WebServerApplicationContext web) || web.getWebServer() == null) {
            return;
        }
        String base = "http://localhost:" + web.getWebServer().getPort();
        if (properties.embedded().demo()) {
            seed(base);
        }
        printWelcome(base);
    }

    private void seed(String base) {
        String demoSourceUrl = base + DemoConfig.DEMO_SOURCE_PATH;
        if (sources.list().stream().noneMatch(s -> s.name().equals(DemoConfig.DEMO_SOURCE_NAME))) {
            sources.register(new NewSource(DemoConfig.DEMO_SOURCE_NAME, demoSourceUrl, new SourceAuth.None()));
        } else {
            sources.list().stream().filter(s -> s.name().equals(DemoConfig.DEMO_SOURCE_NAME)
                            && !s.fhirBaseUrl().toString().equals(demoSourceUrl))
                    .forEach(s -> sources.moveTo(s.id(), demoSourceUrl));
        }
        if (programmes.findByName(DemoConfig.DEMO_PROGRAMME_NAME).isEmpty()) {
            programmes.create(new NewProgramme(DemoConfig.DEMO_PROGRAMME_NAME,
                    "Donate your health records to non-commercial medical research. Researchers only ever see "
                            + "your data without your name and direct identifiers, under permits our stewards approve.",
                    "MyData Health Research Foundation (demo)",
                    List.of("dpv:ScientificResearch", "dpv-health:HealthcareScientificResearch"),
                    DataScope.ofTypes(List.of("Patient", "Observation", "Condition", "MedicationRequest", "Encounter",
                            "Procedure", "Immunization", "AllergyIntolerance", "DiagnosticReport")),
                    "https://example.org/mydata-demo/terms", "1.0", List.of(DemoConfig.DEMO_STEWARD),
                    List.of(Promise.NON_COMMERCIAL.code(), Promise.RESULTS_PUBLISHED.code(),
                            Promise.DATA_STAYS_IN_EEA.code())).withTexts(Map.of(
                    "fi", new ProgrammeTexts("Avoin terveystietojen lahjoitus", "Lahjoita terveystietojasi voittoa "
                            + "tavoittelemattomaan lääketieteelliseen tutkimukseen. Tutkijat saavat tiedot aina ilman "
                            + "nimeäsi ja suoria tunnisteita, ja vain luvalla, jonka vastuuhenkilömme hyväksyvät.",
                            "MyData-terveystutkimussäätiö (demo)"),
                    "sv", new ProgrammeTexts("Öppen donation av hälsouppgifter", "Donera dina hälsouppgifter till "
                            + "icke-kommersiell medicinsk forskning. Forskarna får uppgifterna alltid utan ditt namn "
                            + "och direkta identifikationsuppgifter, och endast med tillstånd som våra "
                            + "ansvarspersoner har godkänt.", "Stiftelsen för MyData-hälsoforskning (demo)"))));
        }
        // After the first, so the catalogue (oldest first) keeps listing the consent programme first.
        if (programmes.findByName(DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME).isEmpty()) {
            UUID source = sources.list().stream().filter(s -> s.name().equals(DemoConfig.DEMO_SOURCE_NAME))
                    .findFirst().orElseThrow().id();
            programmes.create(new NewProgramme(DemoConfig.DEMO_OPT_OUT_PROGRAMME_NAME,
                    "Secondary use of health records for public-interest research under the European Health Data "
                            + "Space. Everyone with records at the demo hospital is included unless they opt out.",
                    "Health Data Access Body (demo)",
                    List.of("dpv:ScientificResearch", "dpv-health:HealthcareScientificResearch"),
                    DataScope.ofTypes(List.of("Patient", "Observation", "Condition", "Encounter")),
                    "https://example.org/mydata-demo/ehds-notice", "1.0", List.of(DemoConfig.DEMO_STEWARD),
                    "ehds-secondary-use", List.of(source)).withTexts(Map.of(
                    "fi", new ProgrammeTexts("Eurooppalaisen terveystietoalueen tutkimus", "Terveystietojen "
                            + "toissijainen käyttö yleisen edun mukaiseen tutkimukseen eurooppalaisen "
                            + "terveystietoalueen säännöin. Mukana ovat kaikki, joiden tietoja on demosairaalassa, "
                            + "elleivät he kieltäydy.", "Tietolupaviranomainen (demo)"),
                    "sv", new ProgrammeTexts("Forskning inom det europeiska hälsodataområdet", "Sekundär användning "
                            + "av hälsouppgifter för forskning av allmänt intresse enligt reglerna för det europeiska "
                            + "hälsodataområdet. Alla som har uppgifter på demosjukhuset är med, om de inte avstår.",
                            "Tillståndsmyndighet för hälsodata (demo)"))));
        }
    }

    private void printWelcome(String base) {
        StringBuilder text = new StringBuilder("\n\nMyData Consent Operator is running\n");
        text.append("  Citizen pages  ").append(base).append("/app\n");
        text.append("  API            ").append(base).append("/api/v1\n");
        text.append("  FHIR gateway   ").append(base).append("/fhir/{permitId}\n");
        text.append("  OpenAPI UI     ").append(base).append("/swagger-ui.html\n");
        text.append("  JWKS           ").append(base).append("/.well-known/jwks.json\n");
        text.append("  Data dir       ").append(properties.dataDir().toAbsolutePath().normalize()).append('\n');
        if (properties.embedded().demo()) {
            text.append("  Demo source    ").append(base).append(DemoConfig.DEMO_SOURCE_PATH).append('\n');
        }
        DemoIdentities demo = identities.getIfAvailable();
        if (demo != null) {
            text.append("  Token endpoint ").append(base).append("/oauth2/token\n");
            text.append("  Demo citizens (sign in at ").append(base).append("/login; app client '")
                    .append(DemoIdentities.CITIZEN_APP).append("' with PKCE, redirect ")
                    .append(DemoIdentities.CITIZEN_APP_REDIRECT).append("):\n");
            demo.citizens().stream().filter(c -> !c.generated()).forEach(c -> text.append("    ")
                    .append(c.username()).append(" / ").append(c.password()).append('\n'));
            long generated = demo.citizens().stream().filter(DemoIdentities.Citizen::generated).count();
            if (generated > 0) {
                text.append("    and ").append(generated).append(" generated benchmark citizens (operator.embedded."
                        + "generated-citizens), passwords in ").append(DemoConfig.generatedCitizensFile(
                        properties.dataDir()).toAbsolutePath().normalize()).append('\n');
            }
            text.append("  Demo clients (client credentials; scope = role):\n");
            demo.clients().forEach(c -> text.append("    ").append(c.clientId()).append(" / ").append(c.secret())
                    .append("  scope=").append(c.scope()).append('\n'));
            demo.keyClients().forEach(c -> text.append("    ").append(c.clientId()).append(" / private_key_jwt (RS384) with ")
                    .append(c.keyFile().toAbsolutePath().normalize()).append("  scope=")
                    .append(String.join(" ", c.scopes())).append('\n'));
            text.append("  These demo credentials are public: never expose the embedded default to a network.\n");
        }
        log.info("{}", text);
    }
}
