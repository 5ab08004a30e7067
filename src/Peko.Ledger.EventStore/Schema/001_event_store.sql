-- The event store: streams, the append-only event log, async projection checkpoints and dead letters.
create table ledger.streams (
    id         text primary key,
    kind       text not null,
    chain_id   text not null,
    version    bigint not null check (version > 0),
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index streams_chain_kind on ledger.streams (chain_id, kind);

create table ledger.events (
    seq             bigint generated always as identity primary key,
    -- The writing transaction's id: async projections read in (tx_id, seq) order, and only below the oldest
    -- running transaction, so an event whose transaction commits late is never skipped (docs/architecture.md).
    tx_id           xid8 not null default pg_current_xact_id(),
    stream_id       text not null references ledger.streams (id),
    version         bigint not null,
    type            text not null,
    data            jsonb not null,
    chain_id        text not null,
    recorded_at     timestamptz not null,
    correlation_id  text,
    causation_id    text,
    actor           text,
    restaurant_id   text,
    idempotency_key text,
    constraint events_stream_version unique (stream_id, version)
);
create index events_tx_seq on ledger.events (tx_id, seq);

create table ledger.projection_checkpoints (
    name       text primary key,
    tx_id      xid8 not null default '0',
    seq        bigint not null default 0,
    updated_at timestamptz not null default now()
);

create table ledger.dead_letter_events (
    projection  text not null,
    seq         bigint not null,
    type        text not null,
    reason      text not null,
    recorded_at timestamptz not null default now(),
    primary key (projection, seq)
);
