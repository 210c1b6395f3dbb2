"""The memory engine (`store.memory`): the served copy held in memory from an N-Quads file.

Oracles: pyoxigraph reading the public copy on disk (rows), the manifest's own digest (stamps),
the process tree as the kernel reports it (workers forked from one fork server)."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyoxigraph as ox
import pytest
import requests

from atlas_ld.core.errors import StoreError
from atlas_ld.graph.pipeline import build
from atlas_ld.sample.corpus import sample_pages
from atlas_ld.store import memory
from atlas_ld.store.canned import list_queries
from atlas_ld.store.repo import open_embedded

from .conftest import command_line, start_server

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ORDERED = [q for q in list_queries() if "ORDER BY" in q.sparql]


@pytest.fixture
def store(sample_store, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(sample_store, target)
    return target


def _public(store):
    """The copy the server reads (made from the store when missing, as a server would)."""
    return Path(open_embedded(store).path)


def test_auto_takes_memory_only_when_both_copies_fit(monkeypatch):
    quads = 1_000_000
    needed = 2 * quads * memory.BYTES_PER_QUAD
    monkeypatch.setattr(memory, "available_memory", lambda: 4 * needed)
    assert memory.choose("auto", quads, copies=2)[0] == "memory"
    monkeypatch.setattr(memory, "available_memory", lambda: needed)  # only half may be used
    engine, note = memory.choose("auto", quads, copies=2)
    assert engine == "disk"
    assert "on disk: 2 copies in memory would take about" in note and "--engine memory" in note
    assert memory.choose("memory", quads, copies=2)[0] == "memory"  # asked for: no second guess
    assert memory.choose("auto", 0, copies=2)[0] == "disk"  # a manifest without its count
    with pytest.raises(StoreError, match="unknown engine 'ram'"):
        memory.choose("ram", quads, copies=2)


def test_the_file_is_written_whole_stamped_and_written_again_for_a_new_build(store):
    assert memory.current_file(store) is None
    path = memory.memory_file(store, _public(store))
    digest = hashlib.sha256((store / "atlas-ld.json").read_bytes()).hexdigest()
    stamp = path.with_name(path.name + ".sha256").read_text(encoding="ascii")
    assert stamp == f"{digest} {path.stat().st_size}"
    disk = ox.Store.read_only(str(_public(store)))
    copy = ox.Store()
    copy.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    assert set(copy) == set(disk)  # every quad of the public copy, and only those
    assert not list(path.parent.glob("*.new-*"))
    first = path.stat().st_mtime_ns

    manifest = store / "atlas-ld.json"
    manifest.write_text(manifest.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert memory.current_file(store) is None  # another build
    assert memory.memory_file(store, _public(store)).stat().st_mtime_ns != first


def test_a_writer_stopped_half_way_leaves_nothing_behind_for_long(store):
    target = memory.copy_file(store)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no process has now
    stopped = target.with_name(f"{target.name}.new-{dead.pid}")
    stopped.write_bytes(b"<s> <p> <o> .\n")  # what a killed writer left
    live = target.with_name(f"{target.name}.new-{os.getppid()}")  # a writer still at work
    live.write_bytes(b"")
    memory.memory_file(store, _public(store))
    assert not stopped.exists() and live.exists()


def test_a_file_cut_short_is_not_taken_for_a_whole_one(store):
    path = memory.memory_file(store, _public(store))
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])  # a full disk, or a copy stopped half way
    assert memory.current_file(store) is None
    assert memory.memory_file(store, _public(store)).read_bytes() == whole


def test_a_damaged_file_is_written_again_and_the_server_answers(store):
    path = memory.memory_file(store, _public(store))
    size = path.stat().st_size
    path.write_bytes(b"<not n-quads at all> .\n".ljust(size, b"#"))  # same size: stamp holds
    assert memory.current_file(store) == path
    query = ORDERED[0]
    for server in start_server(store, "--engine", "memory", "--workers", "1"):
        response = requests.get(f"{server.url}/queries/{query.name}.csv", timeout=60)
        assert response.status_code == 200
        assert "cannot load the store's memory copy" in server.log()
        assert "writing it again" in server.log()
        assert "Traceback" not in server.log()
    expected = ox.Store.read_only(str(_public(store))).query(
        query.sparql, use_default_graph_as_union=True
    )
    assert response.content == expected.serialize(format=ox.QueryResultsFormat.CSV)


def _rows(body: dict) -> list[tuple]:
    return sorted(
        tuple(sorted((k, v["type"], v["value"]) for k, v in row.items()))
        for row in body["results"]["bindings"]
    )


def test_both_engines_give_pyoxigraphs_rows_under_their_own_validators(store):
    disk = ox.Store.read_only(str(_public(store)))
    answers: dict[str, dict[str, requests.Response]] = {}
    for engine in ("memory", "disk"):
        for server in start_server(store, "--engine", engine, "--workers", "1"):
            said = server.log().splitlines()[1]  # the line after the address
            assert said.startswith(
                f"atlas-ld: queries read the store {'in' if engine == 'memory' else 'on'} "
            )
            answers[engine] = {
                q.name: requests.post(
                    f"{server.url}/sparql",
                    data={"query": q.sparql},
                    headers={"Accept": "application/sparql-results+json"},
                    timeout=60,
                )
                for q in list_queries()
            }
    for canned in list_queries():
        expected = disk.query(canned.sparql, use_default_graph_as_union=True)
        if not isinstance(expected, ox.QuerySolutions):
            continue
        wanted = _rows_of(expected)
        for engine in ("memory", "disk"):
            response = answers[engine][canned.name]
            assert response.status_code == 200, (engine, canned.name)
            assert _rows(response.json()) == wanted, (engine, canned.name)
        # Rows without ORDER BY may come in another order: each engine has its own ETag.
        assert (
            answers["memory"][canned.name].headers["ETag"]
            != (answers["disk"][canned.name].headers["ETag"])
        )
    for canned in ORDERED:  # ordered rows are the same bytes from both engines
        assert answers["memory"][canned.name].content == answers["disk"][canned.name].content


def _rows_of(solutions: ox.QuerySolutions) -> list[tuple]:
    import json

    return _rows(json.loads(solutions.serialize(format=ox.QueryResultsFormat.JSON)))


def _workers_of(server) -> tuple[psutil.Process, list[psutil.Process]]:
    """The fork server (a child of the server) and the workers (its children)."""
    direct = psutil.Process(server.process.pid).children()
    forks = [c for c in direct if "forkserver" in command_line(c)]
    assert len(forks) == 1, [command_line(c) for c in direct]
    return forks[0], forks[0].children()


def test_memory_workers_are_forked_from_one_fork_server_and_a_stopped_one_is_replaced(store):
    for server in start_server(store, "--engine", "memory", "--workers", "2", "--timeout", "2"):
        fork_server, workers = _workers_of(server)
        assert len(workers) == 2
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            slow = pool.submit(
                requests.get, f"{server.url}/sparql", params={"query": ENDLESS}, timeout=120
            )
            fast = requests.get(
                f"{server.url}/sparql",
                params={"query": "ASK { ?s ?p ?o }"},
                headers={"Cache-Control": "no-cache"},
                timeout=60,
            )
            assert fast.status_code == 200 and fast.json()["boolean"] is True
            answer = slow.result()
        assert answer.status_code == 503 and "limit" in answer.text
        deadline = time.monotonic() + 30
        while len(fork_server.children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        after = {p.pid for p in fork_server.children()}
        assert len(after) == 2 and len(after - {p.pid for p in workers}) == 1
        again = requests.get(
            f"{server.url}/sparql",
            params={"query": ORDERED[0].sparql},
            headers={"Cache-Control": "no-cache"},
            timeout=60,
        )
        assert again.status_code == 200


def test_a_store_served_with_personal_data_stays_on_disk(store):
    for server in start_server(
        store, "--engine", "memory", "--include-personal-data", "--workers", "1"
    ):
        assert "stays there" in server.log()
        direct = psutil.Process(server.process.pid).children()
        assert not [c for c in direct if "forkserver" in command_line(c)]
    assert memory.current_file(store) is None  # no N-Quads of personal data written


def test_a_build_with_answers_writes_the_file_a_server_here_loads(tmp_path):
    plain, prepared = tmp_path / "plain" / "store", tmp_path / "prepared" / "store"
    build(sample_pages(), plain, processes=1)
    assert memory.current_file(plain) is None  # left to the server's first start
    build(sample_pages(), prepared, processes=1, answers=True)
    path = memory.current_file(prepared)  # current for the build's manifest
    assert path is not None
    copy = ox.Store()
    copy.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    assert set(copy) == set(ox.Store.read_only(str(_public(prepared))))


def test_a_file_that_cannot_be_written_leaves_the_server_on_disk(store):
    memory.copy_file(store).mkdir()  # a directory where the file goes: it cannot be replaced
    for server in start_server(store, "--engine", "memory", "--workers", "1"):
        response = requests.get(f"{server.url}/queries/{ORDERED[0].name}.csv", timeout=60)
        assert response.status_code == 200
        log = server.log()
        assert "engine: disk: " in log and "cannot write the store's memory copy" in log
        assert "Traceback" not in log
        direct = psutil.Process(server.process.pid).children()
        assert not [c for c in direct if "forkserver" in command_line(c)]
