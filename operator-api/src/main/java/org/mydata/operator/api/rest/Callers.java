package org.mydata.operator.api.rest;

import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.api.security.CitizenSubjects;
import org.springframework.beans.factory.ObjectProvider;
import org.mydata.operator.store.IdempotencyScope;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/** Who is calling, in the domain's terms: the account of the token's subject, and their verified identifier. */
@Component
public class Callers {
    private final Accounts accounts;
    private final String personIdentifierClaim;
    private final ObjectProvider<CitizenSubjects> embeddedCitizens;

    public Callers(Accounts accounts, OperatorProperties properties, ObjectProvider<CitizenSubjects> embeddedCitizens) {
        this.accounts = accounts;
        this.personIdentifierClaim = properties.identity().personIdentifierClaim();
        this.embeddedCitizens = embeddedCitizens;
    }

    /**
     * Made on first use, outside the request's idempotency scope: this bookkeeping is not the change an
     * {@code Idempotency-Key} guards, and a retry makes it again harmlessly.
     */
    public Account account(Jwt token) {
        return IdempotencyScope.outside(() -> accounts.forSubject(token.getSubject()));
    }

    /**
     * An external identity provider asserts the identifier in the configured claim; the embedded authorization
     * server keeps it out of its tokens, and the operator looks it up by the token's pseudonymous subject.
     */
    public PersonIdentifier personIdentifier(Jwt token) {
        String claimed = token.getClaimAsString(personIdentifierClaim);
        if (claimed == null) {
            CitizenSubjects citizens = embeddedCitizens.getIfAvailable();
            if (citizens != null) {
                return citizens.personIdentifier(token.getSubject()).orElseGet(() -> PersonIdentifier.parse(null));
            }
        }
        return PersonIdentifier.parse(claimed);
    }
}
