-- When each chain's nightly jobs are next due (UTC), and which service instance holds the lease on a running one.
create table ledger.job_schedules (
    chain_id    text not null,
    job         text not null,
    local_time  time not null default '03:00',
    next_due_at timestamptz not null,
    lease_owner text,
    lease_until timestamptz,
    primary key (chain_id, job)
);
