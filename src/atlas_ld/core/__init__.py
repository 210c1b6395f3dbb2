"""What every stage shares: records, errors, namespaces, IRIs, the Atlas's closed lists and URLs.

Nothing here imports another stage of atlas-ld.
"""
