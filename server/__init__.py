"""IKPE Linked Open Data publisher."""
