-- Read models of the counter (inline projections, written in the same transaction as their events), API keys and
-- idempotency records. Everything here can be rebuilt from ledger.events except api_keys' secret hashes and the
-- stored responses of idempotent requests.

create table ledger.chains (
    chain_id             text primary key,
    name                 text not null,
    currency             text not null,
    time_zone            text not null,
    default_phone_region text not null,
    programme            jsonb not null,
    programme_version    int not null,
    created_at           timestamptz not null
);

create table ledger.restaurants (
    chain_id      text not null,
    restaurant_id text not null,
    name          text not null,
    pos           text not null,
    primary key (chain_id, restaurant_id)
);

-- Secrets are never stored: only the SHA-256 of each key's random secret.
create table ledger.api_keys (
    key_id        text primary key,
    chain_id      text not null,
    role          text not null,
    restaurant_id text,
    label         text not null,
    secret_hash   bytea not null,
    created_at    timestamptz not null,
    revoked_at    timestamptz
);
create index api_keys_chain on ledger.api_keys (chain_id);

-- The first response to an idempotent request, replayed for a retry with the same body.
create table ledger.idempotency_records (
    chain_id     text not null,
    key          text not null,
    request_hash bytea not null,
    status       int not null,
    response     jsonb not null,
    created_at   timestamptz not null,
    primary key (chain_id, key)
);

create table ledger.guests (
    guest_id              text primary key,
    chain_id              text not null,
    display_name          text,
    created_at            timestamptz not null,
    last_visit_restaurant text,
    last_visit_at         timestamptz
);
create index guests_chain on ledger.guests (chain_id, guest_id);

-- An identifier belongs to one guest at a time: the primary key makes that a fact of the database.
create table ledger.guest_identifiers (
    chain_id text not null,
    kind     text not null,
    value    text not null,
    guest_id text not null,
    primary key (chain_id, kind, value)
);
create index guest_identifiers_guest on ledger.guest_identifiers (guest_id);

-- Which guest an order belongs to, so a void finds the guest from (restaurant, order) alone.
create table ledger.guest_orders (
    chain_id      text not null,
    restaurant_id text not null,
    order_id      text not null,
    guest_id      text not null,
    primary key (chain_id, restaurant_id, order_id)
);

create table ledger.guest_visits (
    chain_id      text not null,
    restaurant_id text not null,
    guest_id      text not null,
    last_visit_at timestamptz not null,
    primary key (chain_id, restaurant_id, guest_id)
);

create table ledger.points_lots (
    lot_id         text primary key,
    chain_id       text not null,
    guest_id       text not null,
    restaurant_id  text not null,  -- the issuer: its liability until spent or expired
    order_id       text,
    points         bigint not null,
    remaining      bigint not null check (remaining >= 0),
    earned_at      timestamptz not null,
    spendable_from timestamptz not null,
    expires_on     date not null,
    point_value    numeric not null
);
create index points_lots_guest on ledger.points_lots (guest_id);
create index points_lots_open on ledger.points_lots (chain_id, expires_on) where remaining > 0;

create table ledger.guest_points (
    guest_id text primary key,
    chain_id text not null,
    deficit  bigint not null default 0
);

create table ledger.guest_spend (
    guest_id      text not null,
    restaurant_id text not null,
    order_id      text not null,
    chain_id      text not null,
    occurred_at   timestamptz not null,
    amount        numeric not null,
    primary key (guest_id, restaurant_id, order_id)
);
create index guest_spend_chain_time on ledger.guest_spend (chain_id, occurred_at);

-- window_spend: spend in the tier window as of the last tier recompute, plus spend recorded since.
create table ledger.memberships (
    guest_id     text primary key,
    chain_id     text not null,
    tier         text,
    window_spend numeric not null default 0
);
create index memberships_chain_spend on ledger.memberships (chain_id, window_spend);
