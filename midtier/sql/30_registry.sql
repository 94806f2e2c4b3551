-- The rate-floor registry: developers publish their own minimum hourly rate (issue 5).
-- Written only through midtier/registry.py (validation, parameterised SQL, hashed edit
-- tokens). Each row is one developer's individual published minimum, not a pledge.
-- Idempotent: midtier.database.apply_schema applies every file in this folder in name order.

create schema if not exists registry;

create table if not exists registry.rate_floors (
    rate_floor_id       bigint generated always as identity primary key,
    handle              text not null,           -- lower case, validated by midtier.registry
    skills              text[] not null,         -- canonical skill slugs (dbt/seeds/skills.csv)
    min_hourly_usd      numeric(8, 2) not null,
    region              text not null,
    is_handle_public    boolean not null default false,  -- opt-in: handle shown next to the rate
    edit_token_sha256   text not null,           -- hex SHA-256 of the token shown once at creation
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    constraint rate_floors_handle_key unique (handle)
);

create index if not exists rate_floors_skills_idx on registry.rate_floors using gin (skills);

-- Saved, opt-in feed preferences (issue 28), written only through midtier/feed_profiles.py.
-- A profile belongs to a registry entry (edited with the entry's token) or stands alone
-- (its own edit token). Saving issues a private feed token for the personal Atom/RSS feed;
-- only hashes of tokens are kept, and a revoked profile's feed answers 404.
create table if not exists registry.feed_profiles (
    feed_profile_id     bigint generated always as identity primary key,
    rate_floor_id       bigint unique references registry.rate_floors (rate_floor_id)
                            on delete cascade,
    skills              text[] not null default '{}',
    min_hourly_usd      numeric(8, 2) not null default 0,
    engagement_types    text[] not null default '{}',
    regions             text[] not null default '{}',
    min_legitimacy      integer not null default 0,
    mid_market_only     boolean not null default false,
    edit_token_sha256   text unique,             -- standalone profiles only
    feed_token_sha256   text not null unique,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    revoked_at          timestamptz,
    constraint feed_profiles_owner_check check (
        (rate_floor_id is null) <> (edit_token_sha256 is null))
);

-- Dated individual commitments (issue 28): "I do not accept work in CATEGORY below $X/hour
-- until DATE", one developer's own published minimum, never a common rate. Written only
-- through midtier/registry.py with the entry's edit token; shown only for entries whose
-- developer chose to show their handle, a lapsed one marked as lapsed.
create table if not exists registry.commitments (
    commitment_id       bigint generated always as identity primary key,
    rate_floor_id       bigint not null references registry.rate_floors (rate_floor_id)
                            on delete cascade,
    category            text not null,           -- a skill category of dbt/seeds/skills.csv
    min_hourly_usd      numeric(8, 2) not null,
    until_on            date not null,
    created_at          timestamptz not null default now()
);

create index if not exists commitments_rate_floor_id_idx on registry.commitments (rate_floor_id);
