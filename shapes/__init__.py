"""SHACL shapes the graph must satisfy (data files, read with importlib.resources)."""
