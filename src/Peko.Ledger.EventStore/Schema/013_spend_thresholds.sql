-- The lookup's spend percentile (docs/api.md) counted the chain's memberships below the guest's window spend on every
-- call: 8.6 ms a lookup at 10,000 members under the counter benchmark's earns, growing with the chain. Each chain now
-- keeps its percentile thresholds: thresholds[k] is the window spend at the k-th percentile (percentile_disc(k/100)),
-- k = 1..100, so a guest's percentile is the number of thresholds below its spend. They are recomputed by the nightly
-- tier job, on a chain's first lookup, and in the background when a lookup finds them older than a quarter of an hour.
create table if not exists ledger.spend_thresholds (
    chain_id    text primary key,
    thresholds  numeric[] not null,
    members     bigint not null,
    computed_at timestamptz not null
);

-- Only that count used this index; without it a window-spend update (every earn) can stay on its page (HOT).
drop index if exists ledger.memberships_chain_spend;
