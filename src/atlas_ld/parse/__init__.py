"""Stage 1: an Atlas page (bytes, any markup, any charset) becomes a `ProjectRecord`."""
