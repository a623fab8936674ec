-- 003: schema_migrations records, per migration, which releases can still run on the schema. An expand migration
-- (additive: new tables, nullable or defaulted columns, new indexes) leaves compatible_from NULL, so the previous
-- release keeps running during a rolling upgrade and after a rollback. A contract migration (drops or renames what
-- an older release uses) declares `-- parley:compatible-from NNN`; a release that does not know migration NNN then
-- refuses to start on the schema with a message that says so, instead of failing on a missing column.

ALTER TABLE schema_migrations ADD COLUMN compatible_from integer CHECK (compatible_from > 0);
