-- Ids in the read models (chain, restaurant, guest, order, lot, identifier values...) are compared byte for byte:
-- collation "C". Under the database's own collation every comparison of an index on them went through the C
-- library's strcoll, on copies of both strings, and a tie was broken again with strcmp: most keys start with the same
-- chain id and one of a few restaurant ids, so an insert into a composite key index compared those in full, twice,
-- at every level. A 1,000,000-event replay spent about 1 s of PostgreSQL's CPU there (docs/benchmarks.md). Equality
-- is the same under both (deterministic collations); C.UTF-8, the local clusters' collation, already sorts by code
-- point, which "C" gives too for UTF-8. Each changed column's indexes are rebuilt; the tables are not rewritten.
-- Text that people read (names) keeps the database's collation.
do $$
declare
    c record;
begin
    for c in
        select distinct t.relname as table_name, a.attname as column_name
        from pg_attribute a
        join pg_class t on t.oid = a.attrelid
        join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = 'ledger' and t.relkind = 'r' and a.attnum > 0 and not a.attisdropped
          and a.atttypid = 'text'::regtype and a.attcollation <> 'pg_catalog."C"'::regcollation
          and t.relname in ('chains', 'restaurants', 'guests', 'guest_identifiers', 'guest_points', 'memberships',
                            'guest_visits', 'guest_orders', 'points_lots', 'guest_spend', 'accounting_chains',
                            'accounting_months', 'accounting_lots', 'accounting_claims', 'accounting_entries')
          and exists (select 1 from pg_index i where i.indrelid = t.oid and a.attnum = any (i.indkey))
        order by 1, 2
    loop
        execute format('alter table ledger.%I alter column %I type text collate "C"', c.table_name, c.column_name);
    end loop;
end
$$;
