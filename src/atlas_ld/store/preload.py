"""Imported by the query workers' fork server (`serve.workers`): loads the memory copy named by
`ATLAS_LD_MEMORY_FILE` once, before any worker is forked, so that the workers share its pages
(copy-on-write) instead of each loading its own (see `store.memory`)."""

from atlas_ld.store.memory import preload_environment

preload_environment()
