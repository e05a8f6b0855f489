-- The data folder every server instance on this database shares (repositories, signing key), as
-- the first instance recorded it: the id in DATA/.klp-data-id and its signing key's fingerprint.
-- serve refuses to start with another folder or key, so every instance serves the same signed
-- repositories. Publications lock this row, so instances publish one at a time into the folder.
create table shared_data (
    id              integer      primary key,
    folder_id       varchar(64)  not null,
    key_fingerprint varchar(64)  not null,
    created_at      timestamp with time zone not null
);
