-- The key ids (JWS "kid") that signed the records and checkpoints this database holds. At start the
-- operator refuses a key ring that lacks any of them (docs/operating.md, Keys): a missing keystore must
-- be restored, never silently replaced by a new key. Kept by triggers, so nothing has to parse every
-- record at start and no writer can forget it.
create table signing_kid (
    kid         text primary key,
    first_seen  timestamptz not null default now()
);

-- The kid in a compact JWS's first segment (base64url of the protected header), or null when the
-- segment is not one (an access event's JSON entry, an erased entry).
create function jws_kid(header text) returns text language sql immutable strict parallel safe as $$
    select case when length(header) between 8 and 2000 and length(header) % 4 <> 1 and header ~ '^[A-Za-z0-9_-]+$' then
        convert_from(decode(rpad(translate(header, '-_', '+/'), (length(header) + 3) / 4 * 4, '='), 'base64'),
                     'UTF8')::jsonb ->> 'kid'
    end
$$;

-- A log entry's bytes are the record (ASCII) or JSON; only its head is looked at.
create function log_entry_kid(entry bytea) returns text language sql immutable strict parallel safe as $$
    select jws_kid(split_part(encode(substring(entry from 1 for 2048), 'escape'), '.', 1))
$$;

create function note_log_entry_kids() returns trigger language plpgsql as $$
begin
    insert into signing_kid (kid)
    select distinct k from (select log_entry_kid(entry) from added) as s(k) where k is not null
    on conflict do nothing;
    return null;
end;
$$;

create function note_checkpoint_kids() returns trigger language plpgsql as $$
begin
    insert into signing_kid (kid)
    select distinct k from (select jws_kid(split_part(jws, '.', 1)) from added) as s(k) where k is not null
    on conflict do nothing;
    return null;
end;
$$;

create trigger log_entry_signing_kid after insert on log_entry referencing new table as added
    for each statement execute function note_log_entry_kids();
create trigger log_checkpoint_signing_kid after insert on log_checkpoint referencing new table as added
    for each statement execute function note_checkpoint_kids();

-- Records already here, including any signed before the log existed.
insert into signing_kid (kid)
select distinct k from (
    select log_entry_kid(entry) from log_entry where entry is not null
    union all select jws_kid(split_part(jws, '.', 1)) from log_checkpoint
    union all select jws_kid(split_part(record, '.', 1)) from consent
    union all select jws_kid(split_part(record, '.', 1)) from consent_status
    union all select jws_kid(split_part(record, '.', 1)) from service_link
    union all select jws_kid(split_part(removal_record, '.', 1)) from service_link
    union all select jws_kid(split_part(decision_record, '.', 1)) from data_request
    union all select jws_kid(split_part(record, '.', 1)) from permit
    union all select jws_kid(split_part(revocation_record, '.', 1)) from permit
) as s(k) where k is not null
on conflict do nothing;
