"""The pyoxigraph store on disk, its public copy, and the canned queries read from it."""
