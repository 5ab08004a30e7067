-- Every run of a scheduled or triggered job: when, as of which date, what it did, how it ended.
create table ledger.job_runs (
    run_id         text primary key,
    chain_id       text not null,
    job            text not null,
    as_of          date not null,
    trigger        text not null,
    started_at     timestamptz not null,
    finished_at    timestamptz,
    status         text not null,
    guests         bigint not null default 0,
    events_written bigint not null default 0,
    error          text
);
create index job_runs_chain on ledger.job_runs (chain_id, started_at desc);
