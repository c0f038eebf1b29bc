-- amend (issue 24): programme terms are versioned; a consent stays bound to the version its person signed.
-- A programme's current version; every programme registered before amendments is at version 1.
alter table programme add column version integer not null default 1;

-- Each version of a programme's terms, as the amendment that made it signed them. Version 1 of a programme is
-- written, unsigned (it was registered, not amended), when its first amendment is made, so every amended
-- programme has its whole history here; a programme never amended has no rows and is at version 1.
create table programme_version (
    programme_id  uuid not null references programme (id),
    version       integer not null check (version >= 1),
    terms         jsonb not null,
    terms_sha256  text not null,
    -- 'initial' for version 1; 'narrowing', 'widening' or 'neutral' for an amendment
    change        text not null check (change in ('initial', 'narrowing', 'widening', 'neutral')),
    changes       jsonb not null,
    reason        text,
    amended_by    text,
    record        text,
    log_index     bigint,
    created_at    timestamptz not null,
    primary key (programme_id, version),
    check ((version = 1) = (record is null)),
    check ((record is null) = (log_index is null))
);

-- The version a consent was given on (null: version 1, every consent given before amendments) and the hash of
-- that version's terms; and the consent a re-consent replaced (the old one's chain ends with a withdrawal that
-- names the new one).
alter table consent add column programme_version integer;
alter table consent add column programme_terms_sha256 text;
alter table consent add column replaces uuid references consent (id);
create index consent_replaces on consent (replaces) where replaces is not null;
