"""The change feed: a Linked Data Event Stream (LDES, SEMIC; TREE hypermedia) of the release history.

One member per changed resource per release (a version object), pages ordered by release time.
``members`` decides which resources a release changed, ``describe`` writes a version object,
``pages`` cuts the stream into TREE pages (docs/versions.md, "Change feed (LDES)").
"""
