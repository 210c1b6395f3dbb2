"""Releases: dumps, CSV tables, the DCAT-AP catalogue, portal uploads, graph-store pushes."""
