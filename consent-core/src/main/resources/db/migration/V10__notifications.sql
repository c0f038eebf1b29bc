-- Notifications to permit holders and their erasure acknowledgements (docs/notifications.md).

-- Where a permit's holder wants to hear of changes; deleted ones are kept for the deliveries that name them.
create table webhook (
    id          uuid        primary key,
    permit_id   uuid        not null references permit (id),
    url         text        not null,
    created_by  text        not null,
    created_at  timestamptz not null,
    deleted_at  timestamptz
);
create index webhook_live on webhook (permit_id) where deleted_at is null;

-- The outbox: one row per permit per change, written in the transaction of the change itself. The payload is
-- the event's claims; they are signed at each delivery attempt, with that attempt's time.
create table notification_event (
    id                uuid        primary key,
    permit_id         uuid        not null references permit (id),
    type              text        not null,
    occurred_at       timestamptz not null,
    log_index         bigint,     -- the signed record of the change; null for an expiry, which has none
    erasure_requested boolean     not null,
    payload           text        not null,
    created_at        timestamptz not null
);
create index notification_event_permit on notification_event (permit_id, created_at);

-- Whom an event is about: the person, through which of their consents, and their pseudonym in the permit.
create table notification_subject (
    event_id    uuid not null references notification_event (id),
    consent_id  uuid not null references consent (id),
    account_id  uuid not null,
    pseudonym   text not null,
    primary key (event_id, consent_id)
);
create index notification_subject_account on notification_subject (account_id);

-- One delivery per event and webhook; a node claims a due one by taking its lease.
create table webhook_delivery (
    id               uuid        primary key,
    event_id         uuid        not null references notification_event (id),
    webhook_id       uuid        not null references webhook (id),
    state            text        not null check (state in ('pending', 'delivered', 'dead')),
    attempts         integer     not null default 0,
    next_attempt_at  timestamptz not null,
    lease_owner      text,
    lease_until      timestamptz,
    delivered_at     timestamptz,
    last_error       text,
    created_at       timestamptz not null,
    unique (event_id, webhook_id)
);
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where state = 'pending';
create index webhook_delivery_webhook on webhook_delivery (webhook_id, state);

-- Every attempt and what came of it, for the permit's holder and steward.
create table webhook_attempt (
    delivery_id  uuid        not null references webhook_delivery (id),
    attempt      integer     not null,
    started_at   timestamptz not null,
    ended_at     timestamptz not null,
    http_status  integer,
    outcome      text        not null check (outcome in ('delivered', 'failed', 'gave-up')),
    error        text,
    primary key (delivery_id, attempt)
);

-- A holder's signed word that it erased what an event asked it to; one per event.
create table erasure_ack (
    event_id         uuid        primary key references notification_event (id),
    id               uuid        not null unique,
    permit_id        uuid        not null references permit (id),
    acknowledged_by  text        not null,
    done_at          timestamptz not null,
    note             text,
    record           text        not null,
    log_index        bigint      not null,
    created_at       timestamptz not null
);

-- An expiry is no status change: the scheduler marks the permit when it wrote the expiry's event.
alter table permit add column expiry_notified_at timestamptz;
create index permit_expiry_due on permit (valid_until) where revoked_at is null and expiry_notified_at is null;
