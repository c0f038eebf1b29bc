package org.mydata.operator.api.rest;

import org.mydata.operator.account.Account;
import org.mydata.operator.account.Accounts;
import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.store.IdempotencyScope;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/** Who is calling, in the domain's terms: the account of the token's subject, and their verified identifier. */
@Component
public class Callers {
    private final Accounts accounts;
    private final String personIdentifierClaim;

    public Callers(Accounts accounts, OperatorProperties properties) {
        this.accounts = accounts;
        this.personIdentifierClaim = properties.identity().personIdentifierClaim();
    }

    /**
     * Made on first use, outside the request's idempotency scope: this bookkeeping is not the change an
     * {@code Idempotency-Key} guards, and a retry makes it again harmlessly.
     */
    public Account account(Jwt token) {
        return IdempotencyScope.outside(() -> accounts.forSubject(token.getSubject()));
    }

    public PersonIdentifier personIdentifier(Jwt token) {
        return PersonIdentifier.parse(token.getClaimAsString(personIdentifierClaim));
    }
}
