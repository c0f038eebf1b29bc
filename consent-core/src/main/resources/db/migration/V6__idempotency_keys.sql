-- Idempotency keys (docs/api.md, "Idempotency-Key"). A key is written by the same transaction as the
-- change it guards, so its presence proves the change was committed; the response is added afterwards
-- and may be missing if the operator lost the database (or died) between the two.
create table idempotency_key (
    caller                text        not null,  -- the token subject; keys are per caller
    idem_key              text        not null,
    fingerprint           text        not null,  -- sha-256 of method, path and body
    method                text        not null,
    path                  text        not null,
    created_at            timestamptz not null,
    expires_at            timestamptz not null,
    response_status       integer,
    response_content_type text,
    response_location     text,
    response_body         bytea,
    primary key (caller, idem_key)
);

create index idempotency_key_expires_at on idempotency_key (expires_at);
