-- The catalogue and its search index move to a file of their own beside this one (see
-- migrations/catalogue/): public information needs no encryption, and a first sync can take
-- that file whole. What was here is a copy of the server's data; it comes down again.
DROP TABLE search_filters;
DROP TABLE search_terms;
DROP TABLE search_titles;
DROP TABLE search_index;
DROP TABLE search_documents;
DROP TABLE catalogue_sync;
DROP TABLE catalogue_events;
DROP TABLE catalogue_article_links;
DROP TABLE catalogue_records;
