-- The raw landing zone written by spiders and the importer. dbt reads it; nothing deletes
-- from it. Idempotent: midtier.database.apply_schema applies every file in this folder in
-- name order.

create schema if not exists raw;

create table if not exists raw.crawl_runs (
    crawl_run_id     text primary key,
    source           text not null,
    kind             text not null default 'crawl',      -- crawl | import
    base_url         text,
    status           text not null default 'running',    -- see crawl_runs_status_check
    started_at       timestamptz not null default now(),
    finished_at      timestamptz,
    duration_seconds double precision,
    items_seen       integer not null default 0,
    items_new        integer not null default 0,
    items_updated    integer not null default 0,
    items_unchanged  integer not null default 0,
    items_rejected   integer not null default 0,
    http_errors      integer not null default 0,
    error            text
);

create table if not exists raw.postings (
    source             text not null,
    source_posting_id  text not null,
    url                text,
    apply_url          text,
    title              text,
    company            text,
    description_html   text,
    description_text   text,
    budget_text        text,            -- the pay as the source wrote it
    salary_min         numeric,         -- structured pay fields when the source has them
    salary_max         numeric,
    salary_currency    text,
    salary_period      text,
    tags               text[] not null default '{}',
    location           text,
    employment_type    text,            -- as the source labels it (full-time, contract, ...)
    posted_at          timestamptz,
    payload            jsonb not null,  -- the whole original item, untouched
    content_hash       text not null,
    fetched_at         timestamptz not null,
    first_seen_at      timestamptz not null,
    last_seen_at       timestamptz not null,
    closed_at          timestamptz,
    crawl_run_id       text not null references raw.crawl_runs (crawl_run_id),
    primary key (source, source_posting_id)
);

-- running until the run closes itself (succeeded, partial, failed), skipped (a live crawl
-- past the source's daily limit), or abandoned: left running by a crash, closed by the next
-- run of its source (midtier/raw_store.py).
do $crawl_runs_status$
begin
    if not exists (select 1 from pg_constraint
                   where conname = 'crawl_runs_status_check'
                     and conrelid = 'raw.crawl_runs'::regclass) then
        update raw.crawl_runs set status = 'abandoned'
        where status not in ('running', 'succeeded', 'partial', 'failed', 'skipped', 'abandoned');
        alter table raw.crawl_runs add constraint crawl_runs_status_check check (
            status in ('running', 'succeeded', 'partial', 'failed', 'skipped', 'abandoned'));
    end if;
end
$crawl_runs_status$;

-- Full crawls in a row that did not see the posting; closed_at is set once it reaches the
-- configured limit (MIDTIER_CLOSE_AFTER_MISSED_CRAWLS). Added after the first release.
alter table raw.postings add column if not exists missed_crawls integer not null default 0;
alter table raw.crawl_runs add column if not exists items_closed integer not null default 0;

create index if not exists postings_last_seen_at_idx on raw.postings (last_seen_at);
create index if not exists postings_open_by_source_idx on raw.postings (source) where closed_at is null;

-- dbt's posting_id (macro posting_key: exactly this expression). The transform joins and
-- batches on it: the index lets a join with a few changed postings, or one batch of ids
-- (midtier/transform.py catch_up), read those rows instead of the whole table, and ANALYZE
-- keeps statistics on the expression, so the planner knows how many ids a batch's range
-- holds (without them it guesses a third of the table and plans for three times the rows).
-- Unique: every model keys on posting_id, and the index refuses a second posting with the
-- same id at load, where a data test read all of raw on every build to find one afterwards.
create unique index if not exists postings_posting_id_key on raw.postings
    (md5(source || '|' || source_posting_id));
drop index if exists raw.postings_posting_key_idx;
-- the expression's statistics belong to the index: gathered now, not at autovacuum's leisure
analyze raw.postings;

-- "Postings first seen between X and Y". BRIN, not btree: first_seen_at is written once, at
-- insert, so it rises with the heap's physical order, and a min/max per range of blocks (a
-- few kilobytes in all) narrows the query to a few ranges; a btree would hold an entry per
-- row and cost more on every insert of this append-mostly table. Re-seen postings are
-- updated and their new row versions move, which widens some ranges: the index then reads
-- more blocks, never misses rows. autosummarize has autovacuum summarise newly filled
-- ranges, which are otherwise read whole until the next VACUUM.
-- Not partitioned by time (yet): a partitioned table's primary key must include the
-- partition column, and the merge's `on conflict (source, source_posting_id)` needs exactly
-- that key to be unique.
create index if not exists postings_first_seen_at_brin on raw.postings
    using brin (first_seen_at) with (autosummarize = on);

-- Which postings left raw, and when (the deleting transaction): the enriched table drops a
-- deleted posting's row (the mart is a view over it) by looking up the deletions since its
-- last run instead of comparing all its rows with raw (macro forget_vanished_postings). A
-- row with no posting_id means "any posting may be gone": written by TRUNCATE and when this
-- log is created (deletions before it were logged nowhere), it makes the next run compare
-- everything once.
do $posting_deletions$
begin
    if to_regclass('raw.posting_deletions') is null then
        create table raw.posting_deletions (
            posting_id   text,
            deleted_xid  xid8 not null default pg_current_xact_id(),
            deleted_at   timestamptz not null default now()
        );
        create index posting_deletions_deleted_xid_idx on raw.posting_deletions (deleted_xid);
        insert into raw.posting_deletions (posting_id) values (null);
    end if;
end
$posting_deletions$;

create or replace function raw.log_posting_deletions() returns trigger
language plpgsql as $log_posting_deletions$
begin
    if tg_op = 'TRUNCATE' then
        insert into raw.posting_deletions (posting_id) values (null);
    else
        insert into raw.posting_deletions (posting_id)
        select md5(gone.source || '|' || gone.source_posting_id) from gone;
    end if;
    return null;
end
$log_posting_deletions$;

create or replace trigger postings_log_deletions
    after delete on raw.postings
    referencing old table as gone
    for each statement execute function raw.log_posting_deletions();
create or replace trigger postings_log_truncate
    after truncate on raw.postings
    for each statement execute function raw.log_posting_deletions();

create table if not exists raw.rejects (
    reject_id     bigserial primary key,
    source        text not null,
    crawl_run_id  text references raw.crawl_runs (crawl_run_id),
    url           text,
    payload       text,            -- text, not jsonb: what failed may not be JSON at all
    error         text not null,
    rejected_at   timestamptz not null default now()
);

create index if not exists rejects_crawl_run_id_idx on raw.rejects (crawl_run_id);
