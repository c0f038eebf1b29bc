-- permitver (issue 24): a permit is issued under one version of its programme's terms, and reaches a consent on an
-- older version only when no amendment between the two widened what a release does not intersect (stewards,
-- promises, texts, Observation categories; docs/amendments.md, "What applies to whom").

-- Whether a version's amendment widened something a release does not intersect with the consent's own terms: a
-- change whose field is not purposes, resource_types, data_period or access_modes, and whose direction is
-- widening (ProgrammeVersions.widensBeyondRelease says the same in Java, which sets it from now on).
alter table programme_version add column widens_beyond_release boolean not null default false;
update programme_version v
   set widens_beyond_release = exists (
       select 1 from jsonb_array_elements(v.changes -> 'changes') ch
        where ch ->> 'direction' = 'widening'
          and ch ->> 'field' not in ('purposes', 'resource_types', 'data_period', 'access_modes'));

-- The version a permit was issued under, and that version's terms hash as its signed record states it.
alter table permit add column programme_version integer;
alter table permit add column programme_terms_sha256 text;

-- A permit issued before this column existed was issued under the version its programme was at then: the
-- latest amendment before the permit in the log (log indexes order them exactly; a permit without a log index
-- is compared by time), or version 1 when there is none. Its hash is the stored version's when the programme
-- has a version row; a permit of a programme never amended keeps none (version 1 as registered is not hashed
-- in the database; docs/amendments.md).
update permit p
   set programme_version = coalesce((
       select max(v.version) from programme_version v
        where v.programme_id = p.programme_id
          and v.version > 1
          and (case when p.log_index is not null then v.log_index < p.log_index
                    else v.created_at <= p.created_at end)), 1);
update permit p
   set programme_terms_sha256 = v.terms_sha256
  from programme_version v
 where v.programme_id = p.programme_id and v.version = p.programme_version;
alter table permit alter column programme_version set not null;
alter table permit add constraint permit_programme_version_positive check (programme_version >= 1);
