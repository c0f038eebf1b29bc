-- A researcher's request for a programme's donated data; a request is one research project.
create table data_request (
    id             uuid primary key,
    programme_id   uuid not null references programme (id),
    requester      text not null,
    organisation   text not null,
    title          text not null,
    purpose        text not null,
    scope          jsonb not null,
    justification  text not null,
    valid_until    timestamptz not null,
    status         text not null check (status in ('pending', 'approved', 'rejected')),
    decided_by     text,
    decided_at     timestamptz,
    reason         text,
    decision_record text,
    created_at     timestamptz not null,
    check ((status = 'pending') = (decided_at is null))
);
create index data_request_requester on data_request (requester);

create table permit (
    id                  uuid primary key,
    request_id          uuid not null unique references data_request (id),
    programme_id        uuid not null references programme (id),
    researcher          text not null,
    organisation        text not null,
    purposes            text[] not null,
    scope               jsonb not null,
    valid_from          timestamptz not null,
    valid_until         timestamptz not null,
    record              text not null,
    -- the per-permit pseudonymisation key: never leaves the operator, never in a record or a response
    pseudonym_key       bytea not null,
    revoked_at          timestamptz,
    revoked_by          text,
    revocation_record   text,
    created_at          timestamptz not null,
    check ((revoked_at is null) = (revocation_record is null))
);

-- One row per gateway request that released data, written before the data leaves.
create table access_event (
    id              uuid primary key,
    permit_id       uuid not null references permit (id),
    client          text not null,
    interaction     text not null,
    resource_types  text[] not null,
    resource_count  integer not null,
    person_count    integer not null,
    consent_ids     uuid[] not null,
    created_at      timestamptz not null
);
create index access_event_permit on access_event (permit_id);

-- Which persons an event touched, so each can see it in their own access log.
create table access_event_person (
    event_id        uuid not null references access_event (id),
    account_id      uuid not null references account (id),
    consent_id      uuid not null references consent (id),
    resource_count  integer not null,
    primary key (event_id, account_id, consent_id)
);
create index access_event_person_account on access_event_person (account_id);

create trigger access_event_append_only before update or delete on access_event
    for each row execute function refuse_record_change();
create trigger access_event_person_append_only before update or delete on access_event_person
    for each row execute function refuse_record_change();
create trigger permit_record_immutable before update of record, researcher, purposes, scope, pseudonym_key
    on permit for each row execute function refuse_record_change();
