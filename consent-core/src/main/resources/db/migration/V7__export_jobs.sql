-- Bulk export jobs (docs/api.md, "Bulk export through the FHIR gateway"). A job's state lives here so that
-- any node answers its status and serves its files (kept on a volume all nodes share), and so that a job
-- whose node stopped is taken up again by another node instead of vanishing.
create table export_job (
    id               uuid        primary key,
    permit_id        uuid        not null references permit (id),
    researcher       text        not null,  -- the token subject that started it; only it may see the job
    request          jsonb       not null,  -- kick-off URL, types, since, type filters, elements
    state            text        not null check (state in ('running', 'completed', 'failed')),
    progress         text        not null,
    -- the node running it and when that node last said it still does; null owner: waiting for a node
    owner            text,
    heartbeat_at     timestamptz,
    attempt          text,                  -- the directory under the job's own that its current run writes
    outputs          jsonb,                 -- [{type, count}] once completed
    error_status     integer,               -- the HTTP status the status URL answers a failed job with
    error_message    text,
    created_at       timestamptz not null,
    transaction_time timestamptz,           -- when the run that made the result started
    finished_at      timestamptz
);

create index export_job_waiting on export_job (created_at) where state = 'running';
create index export_job_finished on export_job (finished_at) where state <> 'running';
create index export_job_permit on export_job (permit_id);
