-- Merged guests: the absorbed guest's row stays, pointing at its survivor, so its id keeps resolving.
alter table ledger.guests add column merged_into text;
create index guests_merged_into on ledger.guests (merged_into) where merged_into is not null;
