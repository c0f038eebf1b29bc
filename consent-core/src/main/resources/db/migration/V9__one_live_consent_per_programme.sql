-- Issue 15 item 4: a person holds at most one live (active or paused, i.e. not withdrawn) consent per programme.
-- withdrawn_at mirrors the status chain's final step on the consent row, so a partial unique index can hold the
-- rule in the database: two grants racing (on one node or two) cannot both commit.
alter table consent add column withdrawn_at timestamptz;
update consent c set withdrawn_at = s.created_at
    from consent_status s where s.consent_id = c.id and s.status = 'withdrawn';

-- A database written before this rule may hold several live consents of one person to one programme. Ending a
-- consent takes a signed status record, which SQL cannot sign, so the migration only decides which one stays
-- (the newest: the person's latest word) and marks the older ones; the operator withdraws each marked consent
-- with a signed operator record when it starts (Consents.endDuplicates), and the index ignores them meanwhile.
alter table consent add column duplicate_of uuid references consent (id);
update consent c set duplicate_of = newest.id
    from (select distinct on (account_id, programme_id) id, account_id, programme_id from consent
          where withdrawn_at is null order by account_id, programme_id, created_at desc, id desc) newest
    where c.withdrawn_at is null and c.account_id = newest.account_id and c.programme_id = newest.programme_id
      and c.id <> newest.id;

create unique index consent_live_per_programme on consent (account_id, programme_id)
    where withdrawn_at is null and duplicate_of is null;
create index consent_duplicate on consent (duplicate_of) where duplicate_of is not null and withdrawn_at is null;

-- Issue 15 item 8: what a programme promises its donors (Promise codes), shown and signed in the consent text.
alter table programme add column promises text[] not null default '{}';
