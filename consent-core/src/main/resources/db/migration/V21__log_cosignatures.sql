-- Witnesses' cosignatures of the log's checkpoints (C2SP tlog-witness, tlog-cosignature), and how far each
-- witness has cosigned, so the next submission sends the consistency proof from there.
create table log_cosignature (
    tree_size      bigint not null references log_checkpoint (tree_size),
    witness        text not null,
    signature_line text not null,
    received_at    timestamptz not null,
    primary key (tree_size, witness)
);

create table log_witness (
    witness        text primary key,
    cosigned_size  bigint not null check (cosigned_size >= 0)
);
