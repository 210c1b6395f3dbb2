"""Stage 0: polite crawling of the live Atlas into a WARC archive with a SQLite index."""
