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
