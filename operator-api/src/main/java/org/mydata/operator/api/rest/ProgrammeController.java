package org.mydata.operator.api.rest;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.programme.DisclosureSettings;
import org.mydata.operator.programme.NewProgramme;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeTexts;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The public catalogue of data-donor programmes; creating one needs scope {@code admin}. */
@RestController
@RequestMapping("/api/v1/programmes")
public class ProgrammeController {
    private final ProgrammeRegistry programmes;

    public ProgrammeController(ProgrammeRegistry programmes) {
        this.programmes = programmes;
    }

    /**
     * @param legalBasis {@code consent} (the default), {@code ehds-secondary-use} or {@code public-interest}
     * @param sourceIds  for an opt-out basis: the sources whose linked persons the programme includes
     * @param accessModes the access modes offered: {@code statistics}, {@code records} or both (the default)
     * @param disclosure  its disclosure-control settings; each one left out takes its default
     * @param texts      the programme's name, description and organisation by language ({@code en}, {@code fi},
     *                   {@code sv}); {@code name}, {@code description} and {@code organisation} are the English ones
     */
    public record ProgrammeRequest(String name, String description, String organisation, List<String> purposes,
                                   ScopeJson scope, String termsUri, String termsVersion, List<String> stewards,
                                   List<String> promises, String legalBasis, List<UUID> sourceIds,
                                   List<String> accessModes, DisclosureJson disclosure,
                                   Map<String, ProgrammeTexts> texts) {
    }

    /** A programme's disclosure-control settings as JSON ({@link DisclosureSettings}); null fields take defaults. */
    public record DisclosureJson(Integer minimumCellSize, Double dominanceShare, Integer answersPerDay,
                                 Integer recordsK) {
        static DisclosureJson of(DisclosureSettings s) {
            return new DisclosureJson(s.minimumCellSize(), s.dominanceShare(), s.answersPerDay(), s.recordsK());
        }

        /** The settings; a value out of its range is a 400 naming {@code disclosure.<field>}. */
        DisclosureSettings toDomain() {
            DisclosureSettings d = DisclosureSettings.DEFAULTS;
            return new DisclosureSettings(minimumCellSize == null ? d.minimumCellSize() : minimumCellSize,
                    dominanceShare == null ? d.dominanceShare() : dominanceShare,
                    answersPerDay == null ? d.answersPerDay() : answersPerDay, recordsK == null ? d.recordsK() : recordsK);
        }
    }

    public record PromiseView(String code, String plainWords) {
    }

    public record PurposeView(String code, String plainWords) {
    }

    public record ProgrammeView(UUID id, String name, String description, String organisation,
                                List<PurposeView> purposes, ScopeJson scope, URI termsUri, String termsVersion,
                                List<String> stewards, Instant createdAt, List<PromiseView> promises, String legalBasis,
                                boolean optOut, List<UUID> sourceIds, List<String> accessModes,
                                DisclosureJson disclosure, List<String> languages, Map<String, ProgrammeTexts> texts) {
        static ProgrammeView of(Programme p) {
            Map<String, ProgrammeTexts> texts = new LinkedHashMap<>();
            p.texts().forEach((language, words) -> texts.put(language.tag(), words));
            return new ProgrammeView(p.id(), p.name(), p.description(), p.organisation(),
                    p.purposes().stream().map(ProgrammeController::purpose).toList(), ScopeJson.of(p.scope()),
                    p.termsUri(), p.termsVersion(), p.stewards(), p.createdAt(),
                    p.promises().stream().map(x -> new PromiseView(x.code(), x.plainWords())).toList(),
                    p.legalBasis().wire(), p.isOptOut(), p.sourceIds(),
                    p.accessModes().stream().map(AccessMode::wireName).toList(), DisclosureJson.of(p.disclosure()),
                    List.copyOf(texts.keySet()), texts);
        }
    }

    static PurposeView purpose(Purpose purpose) {
        return new PurposeView(purpose.code(), purpose.plainWords());
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public ProgrammeView create(@RequestBody ProgrammeRequest r) {
        return ProgrammeView.of(programmes.create(new NewProgramme(r.name(), r.description(), r.organisation(),
                r.purposes(), r.scope() == null ? null : r.scope().toDomain(), r.termsUri(), r.termsVersion(),
                r.stewards(), r.promises(), r.legalBasis(), r.sourceIds(), r.accessModes(),
                r.disclosure() == null ? null : r.disclosure().toDomain(), r.texts())));
    }

    @GetMapping
    public List<ProgrammeView> list() {
        return programmes.list().stream().map(ProgrammeView::of).toList();
    }

    @GetMapping("/{id}")
    public ProgrammeView get(@PathVariable UUID id) {
        return ProgrammeView.of(programmes.get(id));
    }
}
