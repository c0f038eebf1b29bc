-- Issue 27 item 4 (national scale): the opt-out cohort query (Cohorts, INCLUDED_SELECT) and the person's
-- permits (Cohorts.reaching) read, for every live link, the latest time the person withdrew an opt-out of the
-- programme: max(withdrawn_at) over all of the person's opt-outs of it, withdrawn ones included. The two indexes
-- on opt_out were partial (live opt-outs only), so that lookup scanned the whole table once per link: with 10^5
-- links and 10^4 opt-outs one cohort took 241 s. With this index it is one index probe per link.
create index opt_out_person_programme on opt_out (account_id, programme_id, withdrawn_at);
