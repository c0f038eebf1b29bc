-- Statistical answers (issue 20, docs/statistics.md).

-- Each person's fixed random record key for cell-key perturbation: one per person, made at their first
-- statistical count, held by the operator and never released (not in a response, a record or the log).
create table statistics_record_key (
    account_id  uuid primary key references account (id) on delete cascade,
    record_key  double precision not null check (record_key >= 0 and record_key < 1),
    created_at  timestamptz not null
);

-- A person in one permit's statistics store, under an opaque key: the rows below never name the account, and
-- deleting this row (withdrawal, end of inclusion, revoked permit) deletes everything stored of the person.
create table statistics_person (
    permit_id   uuid not null references permit (id) on delete cascade,
    account_id  uuid not null references account (id) on delete cascade,
    person_key  uuid not null unique,
    primary key (permit_id, account_id)
);

-- What was read of a person for one type at one source, de-identified by the record profile with true dates
-- (identifiers, names, addresses, telecoms and free text never enter), as gzipped NDJSON; with the consents (or,
-- under an opt-out basis, the links) it was read under, so a change of them makes it read again.
create table statistics_resources (
    person_key     uuid not null references statistics_person (person_key) on delete cascade,
    resource_type  text not null,
    source_id      uuid not null,
    grant_ids      uuid[] not null,
    resource_count integer not null,
    resources      bytea not null,
    read_at        timestamptz not null,
    primary key (person_key, resource_type, source_id)
);

-- A ViewDefinition's rows of one person, materialised once per view (by its hash) and reused by every answer.
create table statistics_view_rows (
    person_key  uuid not null references statistics_person (person_key) on delete cascade,
    view_hash   text not null,
    rows        jsonb not null,
    primary key (view_hash, person_key)
);

-- Every answer, for the per-permit limit per day and the operator's own accounting; the request is kept only
-- by its hash, the answer by the hash its signed record carries.
create table statistics_answer (
    id            uuid primary key,
    permit_id     uuid not null references permit (id),
    event_id      uuid not null references access_event (id),
    request_hash  text not null,
    answer_hash   text not null,
    log_index     bigint not null,
    answered_at   timestamptz not null
);
create index statistics_answer_permit_time on statistics_answer (permit_id, answered_at);
