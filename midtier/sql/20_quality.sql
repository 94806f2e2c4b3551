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

-- Added for the source-health, legitimacy and publication checks (issue 4).
alter table quality.validation_results add column if not exists suite_group text;
alter table quality.validation_results add column if not exists critical boolean not null default false;
alter table quality.validation_results add column if not exists skipped jsonb not null default '[]';
-- The GX Data Docs site (index.html) that renders this validation; the dashboard links it.
alter table quality.validation_results add column if not exists data_docs_path text;
-- passed, failed (the data broke an expectation) or error (an expectation raised, or the
-- batch could not be read: the data was not judged, so no flag is cleared on its word).
do $validation_status$
begin
    if not exists (select 1 from information_schema.columns
                   where table_schema = 'quality' and table_name = 'validation_results'
                     and column_name = 'status') then
        alter table quality.validation_results add column status text;
        update quality.validation_results
        set status = case when success then 'passed' else 'failed' end;
        alter table quality.validation_results alter column status set not null;
        alter table quality.validation_results add constraint validation_results_status_check
            check (status in ('passed', 'failed', 'error'));
    end if;
end
$validation_status$;

-- Each source's health after its latest checked run: degraded sources raise an alert; their
-- rows stay out of the mart-integrity gate so one broken source never blocks the others.
create table if not exists quality.source_status (
    source           text primary key,
    status           text not null check (status in ('healthy', 'degraded')),
    reason           text,
    crawl_run_id     text,
    validation_id    text not null,
    updated_at       timestamptz not null default now()
);

-- The payload keys each checked run carried: the schema-drift baseline for later runs.
create table if not exists quality.source_run_profiles (
    crawl_run_id        text primary key,
    source              text not null,
    postings            integer not null,
    payload_keys        text[] not null,   -- in any payload of the run
    common_payload_keys text[] not null,   -- in every payload of the run
    profiled_at         timestamptz not null default now()
);

-- Every publication decision: written exports, or why none were written.
create table if not exists quality.publication_log (
    publication_id   bigserial primary key,
    validation_id    text,
    published        boolean not null,
    reason           text,
    out_dir          text,
    files            text[] not null default '{}',
    logged_at        timestamptz not null default now()
);
