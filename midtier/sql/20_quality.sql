-- Tables written by the Great Expectations checks (expectations/). Idempotent.

create schema if not exists quality;

create table if not exists quality.validation_results (
    validation_id    text not null,
    suite_name       text not null,
    success          boolean not null,
    evaluated        integer not null,
    failed           integer not null,
    result           jsonb not null,
    validated_at     timestamptz not null default now(),
    primary key (validation_id, suite_name)
);

-- Postings a check found suspicious. One row per (posting, check): the latest validation that
-- failed it, what it observed, and cleared_at once a later validation of that check passes it.
-- fct_postings.is_flagged reads the rows that are not cleared.
create table if not exists quality.posting_flags (
    posting_id       text not null,
    check_name       text not null,
    observed_value   text,
    validation_id    text not null,
    flagged_at       timestamptz not null default now(),
    cleared_at       timestamptz,
    primary key (posting_id, check_name)
);

create index if not exists posting_flags_open_idx on quality.posting_flags (posting_id)
    where cleared_at is null;
