-- A programme's name, description and organisation in each language it offers ({"en": {...}, "fi": {...}}).
-- Null for a programme registered before: it offers English alone, its texts being the columns beside.
alter table programme add column texts jsonb;
