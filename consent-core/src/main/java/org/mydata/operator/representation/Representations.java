package org.mydata.operator.representation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.failure.ForbiddenException;
import org.mydata.operator.json.Json;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Who may act for whom, asked of the {@link RepresentationSource} at every act, never remembered: a mandate that
 * ends between two clicks stops the actor at the second. Anything uncertain refuses ({@link ForbiddenException}
 * with rule {@value #UNCONFIRMED}); a representation that does not let the actor act now refuses with rule
 * {@value #REFUSED}. A guardian's right ends when the child comes of age ({@link ComingOfAge}), whatever the
 * registry says.
 */
public final class Representations {
    /** The rule of a refusal: no representation lets this person act for that one now. */
    public static final String REFUSED = "representation";
    /** The rule of a refusal: the registry of representations could not say for certain. */
    public static final String UNCONFIRMED = "representation-unconfirmed";

    private final Transactions tx;
    private final Accounts accounts;
    private final RepresentationSource source;
    private final ComingOfAge rule;
    private final Clock clock;

    public Representations(Transactions tx, Accounts accounts, RepresentationSource source, ComingOfAge rule,
                           Clock clock) {
        this.tx = Objects.requireNonNull(tx, "tx");
        this.accounts = Objects.requireNonNull(accounts, "accounts");
        this.source = Objects.requireNonNull(source, "source");
        this.rule = Objects.requireNonNull(rule, "rule");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    ComingOfAge rule() {
        return rule;
    }

    /** The persons {@code actor} may act for now, by the registry. */
    public List<Representation> forActor(PersonIdentifier actor) {
        Instant now = Instant.now(clock);
        return ask(actor, now).stream().filter(r -> letsActAt(r, now)).toList();
    }

    /**
     * The representation that lets {@code actor} act for {@code subject} now, checked with the registry at this
     * moment.
     *
     * @throws ForbiddenException when none does, or the registry could not say for certain
     */
    public Checked check(Account actorAccount, PersonIdentifier actor, PersonIdentifier subject) {
        Instant now = Instant.now(clock);
        for (Representation r : ask(actor, now)) {
            if (r.subject().equals(subject) && r.actor().equals(actor) && letsActAt(r, now)) {
                return new Checked(r, new Acting(actorAccount.id(), r.kind(), r.reference(),
                        now.truncatedTo(ChronoUnit.SECONDS)), OwnDecision.of(r, rule));
            }
        }
        throw new ForbiddenException(REFUSED, "you may not act for this person now: no guardianship or mandate "
                + "lets you (it may have ended); nothing was changed");
    }

    /** A representation checked at one moment: what the record states, and what a guardian's consent carries. */
    public record Checked(Representation representation, Acting acting, OwnDecision minor) {
    }

    private List<Representation> ask(PersonIdentifier actor, Instant now) {
        try {
            List<Representation> answer = source.forActor(actor, now);
            if (answer == null) {
                throw new RepresentationUnavailableException("the registry gave no answer", null);
            }
            return answer;
        } catch (RepresentationUnavailableException e) {
            throw new ForbiddenException(UNCONFIRMED, "the registry of guardianships and mandates could not be asked "
                    + "just now, so you cannot act for another person; nothing was changed, try again later");
        }
    }

    /** Valid by the registry, and for a guardian of a minor only until the minor comes of age. */
    private boolean letsActAt(Representation r, Instant at) {
        if (!r.isValidAt(at)) {
            return false;
        }
        Instant majority = r.comesOfAge(rule);
        return majority == null || at.isBefore(majority);
    }

    /**
     * The account of a person someone acts for: the one already bound to their identifier, else the account of
     * {@code knownSubject} (their sign-in subject, where the operator knows it), else a new account; bound to the
     * identifier so the person finds it when they sign in themselves.
     */
    public Account accountOf(PersonIdentifier person, String knownSubject) {
        Optional<Account> bound = boundAccount(person);
        if (bound.isPresent()) {
            return bound.get();
        }
        Account account = accounts.forSubject(knownSubject != null ? knownSubject : "represented-" + UUID.randomUUID());
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into person_account (identifier_system, "
                    + "identifier_value, account_id) values (?,?,?) on conflict do nothing")) {
                ps.setString(1, person.system());
                ps.setString(2, person.value());
                ps.setObject(3, account.id());
                ps.executeUpdate();
            }
            return bound(c, person).orElseThrow();
        });
    }

    /** The account bound to a person identifier by an earlier representation, if any. */
    public Optional<Account> boundAccount(PersonIdentifier person) {
        return tx.read(c -> bound(c, person));
    }

    private static Optional<Account> bound(Connection c, PersonIdentifier person) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select a.id, a.subject, a.created_at from person_account p "
                + "join account a on a.id = p.account_id where p.identifier_system = ? and p.identifier_value = ?")) {
            ps.setString(1, person.system());
            ps.setString(2, person.value());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Account(Sql.uuid(rs, "id"), rs.getString("subject"),
                        Sql.instant(rs, "created_at"))) : Optional.empty();
            }
        }
    }

    /** A consent a guardian gave that awaits the person's own decision now that they have come of age. */
    public record Awaiting(UUID consentId, UUID programmeId, Instant majorityAt, Instant due) {
        /** Whether the grace period has run out, so the consent releases nothing until the person decides. */
        public boolean isOverdue(Instant at) {
            return !at.isBefore(due);
        }
    }

    /** The person's consents that await their own decision now: come of age, not decided, not withdrawn. */
    public List<Awaiting> awaitingOwnDecision(Account person) {
        Instant now = Instant.now(clock);
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("select id, programme_id, majority_at, own_decision_due "
                    + "from consent where account_id = ? and majority_at is not null and majority_at <= ? "
                    + "and own_decision_at is null and withdrawn_at is null order by created_at, id")) {
                ps.setObject(1, person.id());
                ps.setTimestamp(2, Sql.timestamp(now));
                try (ResultSet rs = ps.executeQuery()) {
                    List<Awaiting> result = new ArrayList<>();
                    while (rs.next()) {
                        result.add(new Awaiting(Sql.uuid(rs, "id"), Sql.uuid(rs, "programme_id"),
                                Sql.instant(rs, "majority_at"), Sql.instant(rs, "own_decision_due")));
                    }
                    return result;
                }
            }
        });
    }

    /**
     * Who made a consent's records, where it was not the person: the consent record's actor (key: the consent's
     * id) and each status record's (key: its id). Empty when the person made them all.
     */
    public Map<UUID, Acting> actorsOf(UUID consentId) {
        return tx.read(c -> {
            Map<UUID, Acting> actors = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select id, acted_by::text as acted_by from consent "
                    + "where id = ? and acted_by is not null union all select id, acted_by::text from consent_status "
                    + "where consent_id = ? and acted_by is not null")) {
                ps.setObject(1, consentId);
                ps.setObject(2, consentId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        actors.put(Sql.uuid(rs, "id"), Acting.fromClaim(Json.read(rs.getString("acted_by"))));
                    }
                }
            }
            return actors;
        });
    }
}
