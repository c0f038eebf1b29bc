-- Issue 20: access modes (DESIGN.md section 9). A programme offers statistics, records or both; a data request asks
-- for one mode and its permit is issued in it; a person's consent allows statistics only, or statistics and
-- records. Records imply statistics: whoever holds a person's records can compute any aggregate of them.

-- Every programme so far offered records, the only access there was; statistics come with records. Its
-- disclosure-control settings start at DisclosureSettings.DEFAULTS.
alter table programme add column access_modes text[] not null default '{statistics,records}'
    check (cardinality(access_modes) > 0 and access_modes <@ array['statistics', 'records']);
alter table programme add column minimum_cell_size integer not null default 10 check (minimum_cell_size >= 2);
alter table programme add column dominance_share double precision not null default 0.6
    check (dominance_share > 0 and dominance_share < 1);
alter table programme add column answers_per_day integer not null default 200 check (answers_per_day >= 1);
alter table programme add column records_k integer not null default 5 check (records_k >= 2);

-- Every request and permit so far was for pseudonymised records: their signed permit records were issued to
-- read records, and a researcher holding one keeps exactly that (the records carry no access_mode; absent is
-- records, docs/records.md).
alter table data_request add column access_mode text not null default 'records'
    check (access_mode in ('statistics', 'records'));
alter table permit add column access_mode text not null default 'records'
    check (access_mode in ('statistics', 'records'));

-- Every consent so far was given, in a text that said so, for pseudonymised records read under a permit: it
-- keeps that access (and statistics with it). Its signed record has no access_modes claim, and the auditors read
-- an absent claim the same way (operator-verify ConsentModes; the reason in docs/records.md).
alter table consent add column access_modes text[] not null default '{statistics,records}'
    check (access_modes in ('{statistics}', '{statistics,records}'));

-- What the signed records state stays as signed.
drop trigger consent_record_immutable on consent;
create trigger consent_record_immutable before update of record, purposes, scope, terms, account_id, programme_id,
    access_modes on consent for each row execute function refuse_record_change();
drop trigger permit_record_immutable on permit;
create trigger permit_record_immutable before update of record, researcher, purposes, scope, pseudonym_key,
    access_mode on permit for each row execute function refuse_record_change();
