-- repr2: opt-outs made by someone acting for another person (issue 24 item 3).
-- As consent and consent_status (V23): who made the record when it was not its subject, the actor's account and
-- the representation relied on (kind, reference, checked at), as the signed record's actor claim states it.
-- Null: the subject acted (every older record).
alter table opt_out add column acted_by jsonb;
alter table opt_out_record add column acted_by jsonb;
