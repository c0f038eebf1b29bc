package org.mydata.operator.account;

import java.time.Instant;
import java.util.UUID;

/**
 * A person's account at the operator. Records name the account by {@code id}, a random UUID that
 * says nothing about the person; {@code subject} is the identity provider's name for them.
 */
public record Account(UUID id, String subject, Instant createdAt) {
}
