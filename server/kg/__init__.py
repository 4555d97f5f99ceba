"""The knowledge-graph pipeline: source files → RDF → SHACL → release."""
