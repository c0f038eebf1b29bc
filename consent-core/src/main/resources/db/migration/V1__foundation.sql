-- Accounts are keyed by the identity provider's subject. The person's verified identifier is not
-- stored: it is read from the token when a link is made, and only the source's surrogate id is kept.
create table account (
    id          uuid primary key,
    subject     text not null unique,
    created_at  timestamptz not null
);

create table fhir_source (
    id            uuid primary key,
    name          text not null,
    fhir_base_url text not null,
    auth_type     text not null check (auth_type in ('none', 'basic', 'client_credentials')),
    -- credentials for the source; never returned by the API
    auth          jsonb not null,
    created_at    timestamptz not null
);

create table programme (
    id             uuid primary key,
    name           text not null,
    description    text not null,
    organisation   text not null,
    purposes       text[] not null,
    scope          jsonb not null,
    terms_uri      text not null,
    terms_version  text not null,
    stewards       text[] not null,
    created_at     timestamptz not null
);

create table service_link (
    id              uuid primary key,
    account_id      uuid not null references account (id),
    source_id       uuid not null references fhir_source (id),
    surrogate_id    text not null,
    record          text not null,
    created_at      timestamptz not null,
    removed_at      timestamptz,
    removal_record  text,
    check ((removed_at is null) = (removal_record is null))
);
-- one live link per person and source; removed links stay as history
create unique index service_link_live on service_link (account_id, source_id) where removed_at is null;

create table consent (
    id            uuid primary key,
    account_id    uuid not null references account (id),
    programme_id  uuid not null references programme (id),
    purposes      text[] not null,
    scope         jsonb not null,
    valid_from    timestamptz not null,
    valid_until   timestamptz,
    terms         jsonb not null,
    proposal      text not null,
    record        text not null,
    created_at    timestamptz not null
);
create index consent_account on consent (account_id);
create index consent_programme on consent (programme_id);

create table consent_link (
    consent_id  uuid not null references consent (id),
    link_id     uuid not null references service_link (id),
    primary key (consent_id, link_id)
);

-- The status chain. (consent_id, seq) is unique, so two writers can never both append the same
-- successor: a fork is impossible even if the row lock were forgotten.
create table consent_status (
    id          uuid primary key,
    consent_id  uuid not null references consent (id),
    seq         integer not null check (seq >= 1),
    status      text not null check (status in ('active', 'paused', 'withdrawn')),
    changed_by  text not null check (changed_by in ('person', 'operator')),
    reason      text,
    prev_hash   text,
    record      text not null,
    created_at  timestamptz not null,
    unique (consent_id, seq),
    check ((seq = 1) = (prev_hash is null))
);

-- Records are append-only: the database refuses to change or delete a signed record.
create function refuse_record_change() returns trigger language plpgsql as $$
begin
    raise exception 'signed records are append-only (% on %)', tg_op, tg_table_name;
end;
$$;

create trigger consent_status_append_only before update or delete on consent_status
    for each row execute function refuse_record_change();
create trigger consent_record_immutable before update of record, purposes, scope, terms, account_id, programme_id
    on consent for each row execute function refuse_record_change();
create trigger service_link_record_immutable before update of record, account_id, source_id, surrogate_id
    on service_link for each row execute function refuse_record_change();
