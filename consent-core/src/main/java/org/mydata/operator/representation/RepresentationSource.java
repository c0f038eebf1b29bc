package org.mydata.operator.representation;

import java.time.Instant;
import java.util.List;
import org.mydata.operator.account.PersonIdentifier;

/**
 * Where the operator learns who may act for whom: the embedded demo relations ({@link DemoRepresentations}) or a
 * real registry (the operator's HTTP adapter; in Finland Suomi.fi e-Authorizations). Implementations answer
 * from the registry at the time of the call, never from a cache that could keep a revoked mandate alive.
 *
 * <p>Fail closed: a registry that cannot be reached, answers late, or answers something the adapter cannot read
 * throws {@link RepresentationUnavailableException}; it never answers an empty or a guessed list.
 */
public interface RepresentationSource {

    /**
     * The representations that let {@code actor} act for another person at {@code at} (valid then).
     *
     * @throws RepresentationUnavailableException when the registry's answer is not known for certain
     */
    List<Representation> forActor(PersonIdentifier actor, Instant at);
}
