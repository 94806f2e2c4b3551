-- Developer profiles built on public evidence (issue 27). Written only through
-- midtier/developers.py (codes and tokens stored as SHA-256, parameterised SQL) and the
-- github_evidence spider's pipeline. Withdrawal deletes every row naming the handle; the
-- audit keeps only when and how many rows went.
-- Idempotent: midtier.database.apply_schema applies every file in this folder in name order.

create table if not exists registry.developers (
    handle                  text primary key,     -- the rate-floor registry's handle
    github_login            text not null,
    edit_token_sha256       text not null,        -- the registry entry's token when linked to one
    code_sha256             text,                 -- the one-time code; null once used
    code_issued_at          timestamptz,
    verified_at             timestamptz,
    is_opted_in             boolean not null default true,
    created_at              timestamptz not null default now(),
    constraint developers_github_login_key unique (github_login)
);

-- Every verification attempt, for the per-handle rate limit.
create table if not exists registry.developer_verification_attempts (
    handle          text not null,
    attempted_at    timestamptz not null default now()
);
create index if not exists developer_verification_attempts_idx
    on registry.developer_verification_attempts (handle, attempted_at);

-- Self-declared track record: shown, always labelled self-declared, never evidence.
create table if not exists registry.developer_case_studies (
    case_study_id   bigint generated always as identity primary key,
    handle          text not null references registry.developers (handle) on delete cascade,
    title           text not null,
    link            text,
    client_type     text,
    budget_band     text,
    duration        text,
    skills          text[] not null default '{}',
    outcome         text,
    created_at      timestamptz not null default now()
);

create table if not exists registry.developer_platform_history (
    platform_history_id bigint generated always as identity primary key,
    handle              text not null references registry.developers (handle) on delete cascade,
    platform            text not null,
    projects_completed  integer,
    rating              text,
    link                text,
    created_at          timestamptz not null default now()
);

-- Reviewers who may record assessments; their token is stored hashed.
create table if not exists registry.reviewers (
    reviewer_handle     text primary key,
    token_sha256        text not null,
    created_at          timestamptz not null default now()
);

create table if not exists registry.developer_assessments (
    assessment_id       bigint generated always as identity primary key,
    handle              text not null references registry.developers (handle) on delete cascade,
    reviewer_handle     text not null references registry.reviewers (reviewer_handle),
    assessed_on         date not null,
    skill_slug          text not null,
    outcome             text not null,
    notes               text,
    recorded_at         timestamptz not null default now()
);

-- What a withdrawal removed: no handle, no login, only counts.
create table if not exists registry.developer_withdrawals (
    withdrawal_id       bigint generated always as identity primary key,
    withdrawn_at        timestamptz not null default now(),
    rows_removed        jsonb not null
);

-- One row per piece of public evidence the github_evidence spider fetched.
create table if not exists raw.developer_evidence (
    handle          text not null,
    github_login    text not null,
    kind            text not null,      -- merged_pr | own_repo | review | bounty
    source_url      text not null,      -- the PR, repository or review on github.com
    payload         jsonb not null,     -- the API's objects, untouched
    fetched_at      timestamptz not null,
    primary key (handle, kind, source_url)
);

-- The last answer to each GitHub request made for a handle, so the next crawl asks with
-- If-None-Match and a 304 costs no rate limit.
create table if not exists raw.developer_api_responses (
    handle          text not null,
    url             text not null,      -- the real api.github.com URL
    etag            text not null,
    body            text not null,
    fetched_at      timestamptz not null,
    primary key (handle, url)
);

-- Each time a crawl paused for GitHub's rate limit (primary: remaining 0 until the reset;
-- secondary: Retry-After or a backoff), or gave a request up because the wait was too long.
create table if not exists raw.crawl_rate_limit_pauses (
    crawl_run_id    text not null references raw.crawl_runs (crawl_run_id) on delete cascade,
    handle          text,               -- whose evidence the request was for
    url             text not null,
    status          integer not null,
    kind            text not null,      -- primary | secondary
    reset_at        timestamptz,        -- X-RateLimit-Reset, for a primary limit
    waited_seconds  double precision not null,
    gave_up         boolean not null,
    paused_at       timestamptz not null
);
