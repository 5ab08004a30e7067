-- Migrations of restaurants' own loyalty programmes (issue 8). A dry run writes only a row here and its upload; a
-- commit writes ledger events, and in the same transaction as each batch, the members' figures and the progress.

create table ledger.migrations (
    migration_id  text primary key,
    chain_id      text not null,
    restaurant_id text not null,
    preset        text not null,
    file_name     text,
    file_sha256   bytea not null,
    status        text not null,          -- dry-run, committing, committed, failed
    created_at    timestamptz not null,
    created_by    text not null,          -- API key id
    report        jsonb not null,         -- the dry run's report
    commit_at     timestamptz,            -- the instant every event of the commit carries, fixed at its first attempt
    committed_at  timestamptz,
    members_total int not null default 0,
    groups_done   int not null default 0, -- progress: groups of members (one guest each) committed, in file order
    members_done  int not null default 0,
    results       jsonb,                  -- what the committed batches came to, so a resumed commit reports it all
    result        jsonb,                  -- the commit's report
    error         text
);
create index migrations_chain on ledger.migrations (chain_id, restaurant_id, created_at desc);

-- The export as uploaded (personal data: delete it once committed if the chain's retention policy asks).
create table ledger.migration_uploads (
    migration_id text primary key references ledger.migrations (migration_id),
    content      bytea not null,
    mapping      text
);

-- What was last migrated for each member of each restaurant; member_key is a hash of the member's POS customer id
-- (else phone, email, Zalo id), not personal data. A later export is compared with it: only differences are applied.
create table ledger.migrated_members (
    chain_id      text not null,
    restaurant_id text not null,
    member_key    text not null,
    guest_id      text not null,
    points        bigint not null,
    tier_spend    numeric,
    migration_id  text not null,
    line          int not null,
    primary key (chain_id, restaurant_id, member_key)
);
