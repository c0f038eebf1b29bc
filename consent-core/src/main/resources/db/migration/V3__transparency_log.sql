-- The transparency log (docs/transparency-log.md). Appenders sequence entries inside their own
-- transaction; one elected writer (org.mydata.operator.log.LogWriter) later hashes them into the tree
-- and signs a checkpoint per batch.

-- The next index to hand out, in a single row. An appender's UPDATE of this row holds its lock until
-- the appender's transaction ends, so indices are handed out one transaction at a time: a rollback
-- returns the index, and committed entries always form the gap-free prefix 0..n-1.
create table log_head (
    id          boolean primary key default true check (id),
    next_index  bigint not null check (next_index >= 0)
);
insert into log_head (id, next_index) values (true, 0);

-- One row per entry. leaf_hash = SHA-256(0x00 || entry) and is all the tree needs; entry holds the
-- record's bytes (compact JWS in ASCII, or RFC 8785 JSON for access events) and becomes null only
-- when erasure redacts it, after which the leaf still proves its place.
create table log_entry (
    idx        bigint primary key check (idx >= 0),
    entry      bytea,
    leaf_hash  bytea not null check (length(leaf_hash) = 32)
);

-- Hashes of complete aligned subtrees of 2^level leaves [idx * 2^level, (idx + 1) * 2^level), level >= 1
-- (level 0 is log_entry.leaf_hash). Written by the log writer as leaves complete them, never changed:
-- any root or proof is a fold of at most 2 * log2(n) of these rows.
create table log_subtree (
    level  integer not null check (level between 1 and 62),
    idx    bigint not null check (idx >= 0),
    hash   bytea not null check (length(hash) = 32),
    primary key (level, idx)
);

-- Signed tree heads, one per integrated batch; the latest one's tree_size is how far the tree is
-- integrated. note is the C2SP tlog-checkpoint form, null when no Ed25519 note key is configured.
create table log_checkpoint (
    tree_size  bigint primary key check (tree_size >= 0),
    root_hash  bytea not null check (length(root_hash) = 32),
    issued_at  timestamptz not null,
    jws        text not null,
    note       text
);

-- Append-only, enforced by the database, not only by the code. The one permitted change to an entry is
-- erasing its bytes; its index and leaf hash can never change.
create function log_entry_redact_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' and new.idx = old.idx and new.leaf_hash = old.leaf_hash and new.entry is null then
        return new;
    end if;
    raise exception 'log entries are append-only; only their bytes may be erased (% on %)', tg_op, tg_table_name;
end;
$$;

create trigger log_entry_append_only before update or delete on log_entry
    for each row execute function log_entry_redact_only();
create trigger log_subtree_append_only before update or delete on log_subtree
    for each row execute function refuse_record_change();
create trigger log_checkpoint_append_only before update or delete on log_checkpoint
    for each row execute function refuse_record_change();
create trigger log_head_no_delete before delete on log_head
    for each row execute function refuse_record_change();
