-- A records permit's release plan (issue 21, docs/gateway.md "The release plan"): what the gateway may release
-- of the cohort's quasi-identifiers and codes, worked out from a survey of the cohort before anything goes.
-- Refreshed when the cohort changes; `cohort` is a hash of the persons it was made for. It names persons by
-- account id only and holds no clinical value but the codes k or more of them share; birth and death days are
-- kept as tags keyed with the permit's pseudonym key, never as dates.
create table release_plan (
    permit_id   uuid primary key references permit (id),
    cohort      text not null,
    plan        jsonb not null,
    computed_at timestamptz not null
);

-- The last re-identification risk report a steward read for a pending request (GET /requests/{id}/risk), with
-- its hash: an approval's signed permit quotes it, so the record shows the figures the steward decided on.
alter table data_request add column risk_report jsonb;
