"""SPARQL queries shipped as data (read with importlib.resources, see atlas_ld.resources)."""
