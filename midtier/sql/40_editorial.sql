-- The newsletter editors and their picks for the weekly digest (issues 26 and 28).
-- Written only through midtier/editorial.py: editor tokens are stored as SHA-256 hashes, the
-- token itself is printed once by `midtier editor add NAME`.
-- Idempotent: midtier.database.apply_schema applies every file in this folder in name order.

create schema if not exists editorial;

create table if not exists editorial.editors (
    editor_name         text primary key,
    token_sha256        text not null unique,    -- hex SHA-256 of the token printed once
    created_at          timestamptz not null default now(),
    revoked_at          timestamptz
);

-- A pinned posting goes into the digest first, in position order; a skipped one never does.
create table if not exists editorial.digest_picks (
    posting_id          text primary key,        -- marts.fct_postings.posting_id
    action              text not null check (action in ('pin', 'skip')),
    position            integer,                 -- pins only: 1 first
    editor_name         text not null references editorial.editors (editor_name),
    picked_at           timestamptz not null default now()
);

-- Failed sign-ins, for the rate limit on token guessing (kept an hour).
create table if not exists editorial.sign_in_failures (
    failed_at           timestamptz not null default now()
);
