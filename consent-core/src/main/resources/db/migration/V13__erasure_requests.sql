-- A person's request, after withdrawing a consent, that the data already released under it be erased by
-- those who received it. One per consent: asking again answers with the first request. The request is a
-- signed record in the log; who acts on it (notifications to permit holders) reads it from here.
create table erasure_request (
    id            uuid primary key,
    consent_id    uuid not null unique references consent (id),
    account_id    uuid not null references account (id),
    programme_id  uuid not null references programme (id),
    -- the permits that received data under the consent, as the access log knew them when the person asked
    permit_ids    uuid[] not null,
    record        text not null,
    log_index     bigint not null,
    created_at    timestamptz not null
);
create index erasure_request_account on erasure_request (account_id);

create trigger erasure_request_append_only before update or delete on erasure_request
    for each row execute function refuse_record_change();
