-- ledger.hash_unhashed_events() (009) takes one recursive step per stream version. Planned with a hash or merge join,
-- every step scanned every unhashed event: 154 s for a bulk load of 200,000 events whose longest stream had 437
-- versions. With those joins off, each step reads its rows through the (stream_id, version) index: about 5 s.
alter function ledger.hash_unhashed_events() set enable_hashjoin = off;
alter function ledger.hash_unhashed_events() set enable_mergejoin = off;
