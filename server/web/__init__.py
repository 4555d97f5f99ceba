"""The Flask app: Linked Data pages, SPARQL endpoint, catalog. One blueprint per area."""
