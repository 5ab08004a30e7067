-- A merge copies the absorbed guest's visits to the survivor (GuestReadModel), finding them by guest alone: the primary
-- key starts with the chain and the restaurant, so each merge scanned every visit row of the database (6 ms at 143,000
-- rows, growing with the table). Found through this index, a merge reads only that guest's rows.
create index if not exists guest_visits_guest on ledger.guest_visits (guest_id);
