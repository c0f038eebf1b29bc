-- Every signed record and every access event has its place in the transparency log.
alter table service_link add column log_index bigint, add column removal_log_index bigint;
alter table consent add column log_index bigint;
alter table consent_status add column log_index bigint;
alter table data_request add column decision_log_index bigint;
alter table permit add column log_index bigint, add column revocation_log_index bigint;
alter table access_event add column log_index bigint;
