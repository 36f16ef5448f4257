"""Full-text search across the records, scoped to the asker, on the database
or on Elasticsearch behind one small interface."""
