-- Life-situation scenarios (the navigator, domain::navigator::Scenario) join the catalogue as
-- records of their own kind, published and synced like services.
ALTER TABLE catalogue_records DROP CONSTRAINT catalogue_records_kind_check;
ALTER TABLE catalogue_records ADD CONSTRAINT catalogue_records_kind_check
    CHECK (kind IN ('service', 'organisation', 'article', 'form', 'scenario'));
