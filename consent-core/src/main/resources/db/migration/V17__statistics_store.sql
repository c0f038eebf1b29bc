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

-- Data minimisation at the change itself: a withdrawal or an opt-out deletes everything the statistics store
-- holds of the person under the programme's permits, in the transaction that records it, whichever node writes
-- it. (The answer never counts them anyway: it asks the release policy at the answer; this only stops keeping
-- what can no longer be used. A pause keeps the rows: the answer skips the person and deletes them then.)
create function statistics_forget_person() returns trigger language plpgsql as $$
begin
    delete from statistics_person sp
     using permit p
     where p.id = sp.permit_id and p.programme_id = new.programme_id and sp.account_id = new.account_id;
    return new;
end $$;

create function statistics_forget_withdrawn_consent() returns trigger language plpgsql as $$
begin
    delete from statistics_person sp
     using permit p, consent c
     where c.id = new.consent_id and p.programme_id = c.programme_id and p.id = sp.permit_id
       and sp.account_id = c.account_id;
    return new;
end $$;

create trigger statistics_forget_on_withdrawal after insert on consent_status
    for each row when (new.status = 'withdrawn') execute function statistics_forget_withdrawn_consent();
create trigger statistics_forget_on_opt_out after insert on opt_out
    for each row execute function statistics_forget_person();

-- A revoked permit answers nothing more: what its store held goes with the revocation.
create function statistics_forget_permit() returns trigger language plpgsql as $$
begin
    delete from statistics_person where permit_id = new.id;
    return new;
end $$;

create trigger statistics_forget_on_revocation after update of revoked_at on permit
    for each row when (new.revoked_at is not null and old.revoked_at is null)
    execute function statistics_forget_permit();
