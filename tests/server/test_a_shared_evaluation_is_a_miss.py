"""Regression: a request that shares an evaluation another request started for the same query
(`Site.answer`'s in-flight sharing) said `X-Cache: hit`, though nothing was read from the kept
answers, even for a `no-cache` request. It is a miss; `Server-Timing` says "shared"."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from atlas_ld.serve.app import ServerConfig, create_app
from atlas_ld.store.canned import get_query


def test_two_fresh_requests_for_one_query_are_both_misses(sample_store):
    app = create_app(ServerConfig(store=sample_store, workers=1))
    with TestClient(app) as client:
        site = app.state.site
        job = site.job(get_query("roles").sparql, "json")

        async def together():
            return await asyncio.gather(
                site.answer(job, fresh=True, public=True), site.answer(job, fresh=True, public=True)
            )

        first, second = client.portal.call(together)
    assert (first.cache, first.shared) == ("miss", False)
    assert (second.cache, second.shared) == ("miss", True)
    assert second.written.body == first.written.body
    assert 'cache;desc="shared"' in second.timing
