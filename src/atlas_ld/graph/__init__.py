"""Stage 2: records become quads in the atlas ontology, checked with SHACL and loaded by a build."""
