-- Client assertions (private_key_jwt, RFC 7523) are single-use: the ids (jti) of those accepted, kept until
-- they expire, so a captured assertion cannot be sent again for another token, on any node.
create table used_client_assertion (
    client_id  text        not null,
    jti        text        not null,
    expires_at timestamptz not null,
    primary key (client_id, jti)
);

create index used_client_assertion_expires_at on used_client_assertion (expires_at);
