"""The ontology and its JSON-LD context, shipped as data (see atlas_ld.resources)."""
