-- Issue 27 (accesschunk): an access event whose log entry would be longer than one entry may be (an export
-- download of 10^5 persons is 16 MB; a log entry holds at most 1 MiB, a tile's entry bundle 65,535 bytes) is
-- logged as several entries, its chunks, each naming a part of the event's persons (docs/records.md, "Access
-- event"). Each person's row says which chunk names it, so that their consent's audit bundle can prove that
-- entry. Null on rows written before: their event's one entry, access_event.log_index.
alter table access_event_person add column log_index bigint;
-- How many entries the event was logged as (1: one entry, as every event before).
alter table access_event add column chunk_count integer not null default 1;
