-- repr: acting for another person (issue 24 items 3-4).
-- Who made a record when it was not its subject: the actor's account and the representation relied on
-- (kind, reference, checked at), as the signed record states it. Null: the subject acted (every older record).
alter table consent add column acted_by jsonb;
alter table consent_status add column acted_by jsonb;

-- Coming of age: a consent a guardian gave for a minor names the instant the person comes of age; from then
-- it awaits the person's own decision, and after the grace period without one it stops releasing.
-- own_decision_due = majority_at + grace, cleared (with own_decision_at set) when the person confirms.
alter table consent add column majority_at timestamptz;
alter table consent add column own_decision_due timestamptz;
alter table consent add column own_decision_at timestamptz;
create index consent_majority on consent (majority_at) where majority_at is not null and own_decision_at is null;

-- The account a person identifier belongs to, where a representative acted for that person before the
-- person signed in themselves (so both find the same account). Written only through representation.
create table person_account (
    identifier_system text not null,
    identifier_value  text not null,
    account_id        uuid not null references account (id),
    primary key (identifier_system, identifier_value)
);
