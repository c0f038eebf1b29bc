-- Issue 14 item 4: one source patient belongs to at most one live link. V1's service_link_live keeps one live
-- link per account and source; this keeps one live link per patient at a source, whichever account holds it.
-- Two accounts linking the same patient at the same moment: the index lets one commit, the other is refused.

-- A database written before this rule may already hold a patient with two live links. Such a link cannot be
-- ended here (ending a link takes a signed removal record, which SQL cannot sign), and picking the owner is
-- not the migration's to decide: it stops and says so; docs/operating.md ("One live link per source patient")
-- tells the operator how to end the extra links and start again.
do $$
declare
    doubled bigint;
begin
    select count(*) into doubled from (
        select 1 from service_link where removed_at is null
        group by source_id, surrogate_id having count(*) > 1) d;
    if doubled > 0 then
        raise exception 'V8: % source patient(s) have more than one live link; end the extra links (see '
            'docs/operating.md, "One live link per source patient") and start the operator again', doubled;
    end if;
end $$;

create unique index service_link_live_patient on service_link (source_id, surrogate_id) where removed_at is null;

-- A refused claim on a patient someone already links: the link's owner sees when another account tried
-- (never who: that is another person). claimant is kept for the operator's own investigation.
create table link_claim_refused (
    id            uuid primary key,
    link_id       uuid not null references service_link (id),
    claimant      uuid not null references account (id),
    attempted_at  timestamptz not null
);
create index link_claim_refused_link on link_claim_refused (link_id);
