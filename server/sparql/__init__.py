"""The SPARQL 1.1 endpoint, one module per standard it implements.

- :mod:`.protocol` — SPARQL 1.1 Protocol: request parameters, methods, dataset, limits, content negotiation
- :mod:`.guard` — read-only enforcement, SERVICE (SPARQL 1.1 Federated Query) and dataset screening
- :mod:`.engine` — worker processes that run queries and are ended at the time limit
- :mod:`.execute` — what a worker does with one query (screen, evaluate, serialize)
- :mod:`.results` — SPARQL 1.1 Query Results JSON/XML/CSV/TSV and RDF serializations
- :mod:`.service_description` — SPARQL 1.1 Service Description with VoID
- :mod:`.examples` — the competency questions in ``queries/`` as example queries of the UI
"""
