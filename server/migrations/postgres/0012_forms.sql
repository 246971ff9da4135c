-- E-forms join the catalogue as records of their own kind ('form': every published version of
-- one form, forms::FormRecord), so they travel in the change feed and the snapshot like services.
ALTER TABLE catalogue_records DROP CONSTRAINT catalogue_records_kind_check;
ALTER TABLE catalogue_records ADD CONSTRAINT catalogue_records_kind_check
    CHECK (kind IN ('service', 'organisation', 'article', 'form'));
