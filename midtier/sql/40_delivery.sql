-- Webhook delivery (issue 28), written only through midtier/delivery.py. Idempotent.
-- A channel is a Discord or Slack incoming webhook with the Feed's filters; the delivery log
-- holds one row per (channel, posting) ever attempted, so a posting is never sent to a
-- channel twice, across runs and retries.

create schema if not exists delivery;

create table if not exists delivery.channels (
    channel_id          bigint generated always as identity primary key,
    name                text not null unique,
    kind                text not null check (kind in ('discord', 'slack')),
    webhook_url         text not null,           -- a credential: never printed in full
    skills              text[] not null default '{}',
    min_hourly_usd      numeric(8, 2) not null default 0,
    mid_market_only     boolean not null default false,
    min_legitimacy      integer not null default 0,
    created_at          timestamptz not null default now(),
    -- the channel's health: consecutive failed runs, and no attempt before retry_after
    consecutive_failures integer not null default 0,
    retry_after         timestamptz,
    last_delivery_at    timestamptz,
    last_error          text,
    last_error_at       timestamptz
);

-- status: sending (claimed before the request: a crash mid-request leaves it here, never
-- resent, as the webhook may have received it), sent, failed (the webhook refused it or
-- could not be reached: tried again after the channel's back-off).
create table if not exists delivery.log (
    channel_id      bigint not null references delivery.channels (channel_id) on delete cascade,
    posting_id      text not null,
    status          text not null check (status in ('sending', 'sent', 'failed')),
    attempts        integer not null default 1,
    error           text,
    first_tried_at  timestamptz not null default now(),
    sent_at         timestamptz,
    primary key (channel_id, posting_id)
);
