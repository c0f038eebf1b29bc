-- Issue 16: opt-out programmes. A programme rests on a legal basis: 'consent' (opt-in, what every programme so
-- far is) or an opt-out basis, under which the persons linked at the programme's declared sources are included
-- unless they object.
alter table programme add column legal_basis text not null default 'consent'
    check (legal_basis in ('consent', 'ehds-secondary-use', 'public-interest'));
alter table programme add column source_ids uuid[] not null default '{}';
alter table programme add constraint programme_opt_out_has_sources
    check (legal_basis = 'consent' or cardinality(source_ids) > 0);

-- A permit states its programme's basis in its signed record; kept here so the release policy reads it with
-- the permit.
alter table permit add column legal_basis text not null default 'consent'
    check (legal_basis in ('consent', 'ehds-secondary-use', 'public-interest'));

-- One row per opt-out: live until withdrawn_at is set. The database keeps at most one live opt-out per person
-- and programme, whatever the application does.
create table opt_out (
    id                 uuid primary key,
    account_id         uuid not null references account (id),
    programme_id       uuid not null references programme (id),
    created_at         timestamptz not null,
    withdrawn_at       timestamptz
);
create unique index opt_out_live on opt_out (account_id, programme_id) where withdrawn_at is null;
create index opt_out_programme_live on opt_out (programme_id) where withdrawn_at is null;

-- The signed records of a person's opt-outs of one programme: one chain per account and programme (seq 1, 2,
-- ...), each record naming the hash of the one before it; 'opted-out' starts an opt-out, 'withdrawn' ends it.
create table opt_out_record (
    id             uuid primary key,
    opt_out_id     uuid not null references opt_out (id),
    account_id     uuid not null references account (id),
    programme_id   uuid not null references programme (id),
    seq            integer not null check (seq >= 1),
    status         text not null check (status in ('opted-out', 'withdrawn')),
    prev_hash      text,
    notice_sha256  text,
    record         text not null,
    created_at     timestamptz not null,
    log_index      bigint not null,
    unique (account_id, programme_id, seq),
    check ((seq = 1) = (prev_hash is null))
);
create index opt_out_record_opt_out on opt_out_record (opt_out_id);
create trigger opt_out_record_append_only before update or delete on opt_out_record
    for each row execute function refuse_record_change();

-- An access under an opt-out basis relies on the service link that included the person, not on a consent:
-- each person row names one of the two.
alter table access_event_person drop constraint access_event_person_pkey;
alter table access_event_person alter column consent_id drop not null;
alter table access_event_person add column link_id uuid references service_link (id);
alter table access_event_person add constraint access_event_person_relies_on_one
    check ((consent_id is null) <> (link_id is null));
create unique index access_event_person_key
    on access_event_person (event_id, account_id, (coalesce(consent_id, link_id)));
