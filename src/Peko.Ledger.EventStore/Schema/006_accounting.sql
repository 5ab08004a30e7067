-- Month-end accounting: the async projection "accounting" (rebuilt from the log on demand) and the closed months'
-- reports as first served (kept forever, never rebuilt). Months are first days of months in the chain's time zone.

create table ledger.accounting_chains (
    chain_id                 text primary key,
    time_zone                text not null,
    settlement_policy        text not null default 'issuer-pays',
    expected_redemption_rate numeric,
    closed_through           date
);

-- Each closed month, with the settings in force when it closed: its reports keep them.
create table ledger.accounting_months (
    chain_id                 text not null,
    month                    date not null,
    closed_at                timestamptz not null,
    settlement_policy        text not null,
    expected_redemption_rate numeric,
    primary key (chain_id, month)
);

-- Every lot's issuing restaurant and point value, fixed at issue: each movement of the lot is valued with them.
create table ledger.accounting_lots (
    lot_id      text primary key,
    chain_id    text not null,
    issued_by   text not null,
    order_id    text,
    point_value numeric not null
);
create index accounting_lots_order on ledger.accounting_lots (chain_id, issued_by, order_id) where order_id is not null;

-- Every point movement: kind, issuing restaurant, redeeming restaurant (redemptions), points and value; the month
-- it belongs to (POS time, chain time zone), the month it is booked in (the first open one when that month was
-- closed), and the instant it counts from for liability as of a moment.
create table ledger.accounting_entries (
    chain_id     text not null,
    seq          bigint not null,
    kind         text not null,
    issued_by    text not null,
    redeemer     text,
    lot_id       text,
    points       bigint not null,
    value        numeric not null,
    occurred_at  timestamptz not null,
    belongs_to   date not null,
    booked_in    date not null,
    effective_at timestamptz not null
);
create index accounting_entries_booked on ledger.accounting_entries (chain_id, booked_in);
create index accounting_entries_effective on ledger.accounting_entries (chain_id, effective_at);

-- Points a guest owes after a void took back points already spent, as claims of the voiding restaurant, oldest first.
create table ledger.accounting_claims (
    claim_id      bigserial primary key,
    chain_id      text not null,
    guest_id      text not null,
    restaurant_id text not null,
    points        bigint not null,
    point_value   numeric not null
);
create index accounting_claims_guest on ledger.accounting_claims (guest_id, claim_id) where points > 0;

-- A closed month's report as first rendered after it closed: served byte for byte from then on.
create table ledger.accounting_reports (
    chain_id   text not null,
    month      date not null,
    report     text not null,
    body       bytea not null,
    created_at timestamptz not null default now(),
    primary key (chain_id, month, report)
);
