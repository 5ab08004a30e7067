-- Migrations in flat memory (issue 8): the upload is kept in chunks instead of one bytea, and an export's accepted
-- members are staged in a table, grouped there, and read back batch by batch by the dry run and the commit.
-- (Numbered 010: 009 is taken by the audit schema on its branch.)

create table ledger.migration_upload_chunks (
    migration_id text not null,
    chunk        int not null,          -- 0, 1, 2 …: the upload is their concatenation
    content      bytea not null,        -- 1 MiB each, the last one shorter
    primary key (migration_id, chunk)
);
insert into ledger.migration_upload_chunks (migration_id, chunk, content)
select u.migration_id, c.n, substring(u.content from c.n * 1048576 + 1 for 1048576)
from ledger.migration_uploads u, generate_series(0, greatest(0, (octet_length(u.content) - 1) / 1048576)) as c(n);
alter table ledger.migration_uploads drop column content;

alter table ledger.migrations
    add column staged_on date,   -- the day (chain time) the staged members were read as of; null: not staged
    add column staged    jsonb,  -- what reading the file came to (rows, rejects, points in the file)
    add column commit_by text;   -- the API key that asked for the commit (the actor of its events, also when resumed)

-- The accepted members of an upload, in file order (line), with their group: the first line of the members connected
-- to them by shared identifiers. Personal data, like the upload: kept with it.
create table ledger.migration_members (
    migration_id     text not null,
    line             int not null,
    group_line       int not null,
    member_key       text not null,
    name             text,
    id_kinds         text[] not null,
    id_values        text[] not null,
    points           bigint not null,
    points_expire_on date,
    source_tier      text,
    lifetime_spend   numeric,
    window_spend     numeric,
    joined_on        date,
    last_visit_on    date,
    primary key (migration_id, line)
);
create unique index migration_members_key on ledger.migration_members (migration_id, member_key);
create index migration_members_group on ledger.migration_members (migration_id, group_line, line);

-- While an upload is grouped: each identifier that several of its members hold, with their lines (the only edges
-- between members). Emptied once the groups are set.
create table ledger.migration_links (
    migration_id text not null,
    kind         text not null,
    value        text not null,
    line         int not null
);
create index migration_links_id on ledger.migration_links (migration_id, kind, value);
create index migration_links_line on ledger.migration_links (migration_id, line);


-- A committed migration's report measures, from the events, what migrations issued for the restaurant (opening
-- balances and migration adjustments): this index holds only those events, so the sum reads them alone instead of
-- the chain's whole log (MigrationCommit.IssuedInLedgerAsync has the same predicate).
create index events_migration_points on ledger.events (chain_id, (data->>'restaurantId'))
    where type = 'opening-balance-migrated' or (type = 'points-adjusted' and data->>'adjustmentId' like 'adj\_mig\_%');
