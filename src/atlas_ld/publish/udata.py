"""Publish a release on a udata portal (data.gouv.fr) through its REST API.

The dataset's metadata comes from the catalogue's French title and description; each release file
becomes a resource whose title is the file's path in the release (`atlas.ttl`, `tables/roles.csv`).
A sync first reads the dataset, then does only what differs: metadata updated when a field
changed, a file uploaded when no resource has its title, replaced when the portal's checksum of
that resource differs from the local file's. A second run with the same release therefore sends
no write at all. Every step reads the dataset again before it writes, so retrying a step after a
5xx cannot create a resource twice.
"""

from __future__ import annotations

import fnmatch
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from atlas_ld.core.errors import PublishError
from atlas_ld.core.release import release_path
from atlas_ld.graph.catalogue import DESCRIPTION, TITLE
from atlas_ld.publish.release import (
    MANIFEST_NAME,
    SUMS_NAME,
    ReleaseFile,
    ReleaseManifest,
    describe,
    sha256_file,
)

LICENCE_ID = "lov2"  # udata's id of the Licence Ouverte / Open Licence 2.0
TAGS = ("cooperation-decentralisee", "collectivites-territoriales", "linked-data", "rdf")
RETRY_STATUSES = {500, 502, 503, 504}


class Retryable(PublishError):
    """A 5xx or network failure of a step that must be redone from a fresh read."""


@dataclass(frozen=True, slots=True)
class Action:
    """One write the sync does (or would do, with --dry-run)."""

    kind: str  # create-dataset, update-dataset, upload, replace, update-resource
    target: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind:16} {self.target}" + (f"  ({self.detail})" if self.detail else "")


@dataclass(slots=True)
class SyncReport:
    dataset_id: str | None
    actions: list[Action] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def dataset_metadata(manifest: ReleaseManifest) -> dict[str, Any]:
    return {
        "title": TITLE[0],
        "description": f"{DESCRIPTION[0]}\n\n{DESCRIPTION[1]}\n\nVersion {manifest.version}.",
        "license": LICENCE_ID,
        "frequency": "irregular",
        "tags": list(TAGS),
    }


def metadata_changes(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """Fields whose value on the portal differs (tags compared as sets: the portal reorders)."""
    changed = {}
    for key, value in wanted.items():
        have = current.get(key)
        if key == "tags":
            if set(have or []) != set(value):
                changed[key] = value
        elif have != value:
            changed[key] = value
    return changed


def local_checksum(path: Path, algorithm: str) -> str | None:
    """The file's digest in the portal's algorithm (udata uses sha1), None if we cannot."""
    name = {"sha1": "sha1", "sha2": "sha256", "sha256": "sha256", "md5": "md5"}.get(algorithm)
    if name is None:
        return None
    digest = hashlib.new(name)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resource_is_current(resource: dict[str, Any], path: Path) -> bool:
    checksum = resource.get("checksum") or {}
    value = checksum.get("value")
    return bool(value) and local_checksum(path, checksum.get("type", "sha1")) == value


def release_files(release_dir: Path, manifest: ReleaseManifest) -> list[ReleaseFile]:
    """Every file of the release, the manifest and checksums included (people verify with them).

    Files are checked against the manifest first: a release edited or truncated after the dump
    is not published."""
    for file in manifest.files:
        path = release_path(release_dir, file.path)
        if not path.is_file() or sha256_file(path) != file.sha256:
            raise PublishError(
                "missing or changed since the dump (SHA-256 differs from manifest.json)",
                where=str(path),
                hint="write the release again with `atlas-ld dump`",
            )
    extra = [
        describe(release_dir, MANIFEST_NAME, "application/json", "JSON", title="Manifeste"),
        describe(release_dir, SUMS_NAME, "text/plain", "TXT", title="Sommes SHA-256"),
    ]
    return [*manifest.files, *extra]


def find_resource(resources: list[dict[str, Any]], file: ReleaseFile, path: Path) -> dict | None:
    """The resource of a file: titled by its path, or, when an upload was stored but its answer
    lost before we could rename it, still titled by the bare file name with the same content."""
    for resource in resources:
        if resource.get("title") == file.path:
            return resource
    name = Path(file.path).name
    for resource in resources:
        if resource.get("title") == name and resource_is_current(resource, path):
            return resource
    return None


def resource_fields(file: ReleaseFile) -> dict[str, Any]:
    return {
        "title": file.path,
        "description": file.title,
        "format": file.path.removesuffix(".gz").rsplit(".", 1)[-1],
        "mime": file.media_type,
    }


@dataclass(slots=True)
class UdataClient:
    """HTTP calls to `{portal}/api/1/`, with the API key, clear errors and retries on 5xx."""

    portal: str
    api_key: str | None
    retries: int = 3
    backoff_s: float = 1.0
    session: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, *, what: str, retry: bool = True, **kwargs: Any) -> Any:
        """One API call. With `retry=False` a 5xx raises `Retryable` for the caller to redo a
        whole step (an upload is not safe to repeat blindly: the first may have succeeded)."""
        url = f"{self.portal.rstrip('/')}/api/1/{path}"
        headers = {"X-API-KEY": self.api_key} if self.api_key else {}
        attempts = self.retries + 1 if retry else 1
        for attempt in range(attempts):
            try:
                response = self.session.request(method, url, headers=headers, timeout=300, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = f"cannot reach the portal: {exc.__class__.__name__}"
            else:
                if response.status_code < 300:
                    return response.json() if response.content else None
                failure = self.explain(response, what)
                if response.status_code not in RETRY_STATUSES:
                    raise PublishError(failure, where=f"{method} {url}")
            if attempt + 1 < attempts:
                self.pause(attempt)
        if not retry:
            raise Retryable(failure, where=f"{method} {url}")
        raise PublishError(f"gave up after {attempts} attempts: {failure}", where=url)

    def pause(self, attempt: int) -> None:
        time.sleep(self.backoff_s * 2**attempt)

    @staticmethod
    def explain(response: requests.Response, what: str) -> str:
        status = response.status_code
        try:
            message = response.json().get("message", "")
        except ValueError:
            message = ""
        if status == 401:
            return f"the portal refused the API key (HTTP 401{': ' + message if message else ''})"
        if status == 403:
            return f"this API key may not edit {what} (HTTP 403)"
        if status == 404:
            return f"{what} does not exist on the portal (HTTP 404)"
        if status == 413:
            return f"{what} is larger than the portal accepts (HTTP 413)"
        return f"HTTP {status} for {what}{': ' + message if message else ''}"


@dataclass(slots=True)
class UdataSync:
    """Brings one dataset on the portal in line with one release directory."""

    client: UdataClient
    release_dir: Path
    dry_run: bool = False
    exclude: tuple[str, ...] = ()  # glob patterns of release paths not to upload
    log: Callable[[str], None] = lambda line: None

    def run(self, dataset_id: str | None, *, create: bool = False) -> SyncReport:
        manifest = ReleaseManifest.read(self.release_dir)
        files = [
            f
            for f in release_files(self.release_dir, manifest)
            if not any(fnmatch.fnmatchcase(f.path, pattern) for pattern in self.exclude)
        ]
        wanted = dataset_metadata(manifest)
        dataset, created = self.find_or_create(dataset_id, wanted, create)
        report = SyncReport(dataset_id=dataset["id"] if dataset else None)
        if dataset is None:  # dry run of --create: everything would be new
            report.actions.append(Action("create-dataset", wanted["title"]))
            report.actions += [Action("upload", f.path) for f in files]
            return self.logged(report)
        if created:
            report.actions.append(Action("create-dataset", dataset["id"]))
        changes = metadata_changes(dataset, wanted)
        if changes:
            report.actions.append(Action("update-dataset", dataset["id"], ", ".join(changes)))
            if not self.dry_run:
                self.client.call(
                    "PUT",
                    f"datasets/{dataset['id']}/",
                    json=changes,
                    what=f"dataset {dataset['id']}",
                )
        for file in files:
            self.sync_file(dataset["id"], file, report)
        return self.logged(report)

    def logged(self, report: SyncReport) -> SyncReport:
        for action in report.actions:
            self.log(("would " if self.dry_run else "") + str(action))
        return report

    def find_or_create(
        self, dataset_id: str | None, wanted: dict[str, Any], create: bool
    ) -> tuple[dict[str, Any] | None, bool]:
        """The dataset to sync and whether this run created it (None on a dry run of --create)."""
        if dataset_id:
            found = self.client.call("GET", f"datasets/{dataset_id}/", what=f"dataset {dataset_id}")
            return found, False
        if not create:
            raise PublishError("give --dataset ID or --create", where="publish udata")
        if self.dry_run and not self.client.api_key:
            self.log("no API key: cannot look for an existing dataset, assuming a new one")
            return None, False
        mine = self.client.call("GET", "me/datasets/", what="the API key's datasets")
        for dataset in mine or []:
            if dataset.get("title") == wanted["title"] and not dataset.get("deleted"):
                self.log(f"reusing dataset {dataset['id']} (same title); pass --dataset next time")
                found = self.client.call(
                    "GET", f"datasets/{dataset['id']}/", what=f"dataset {dataset['id']}"
                )
                return found, False
        if self.dry_run:
            return None, False
        created = self.client.call("POST", "datasets/", json=wanted, what="a new dataset")
        self.log(f"created dataset {created['id']}; pass --dataset {created['id']} next time")
        return created, True

    def sync_file(self, dataset_id: str, file: ReleaseFile, report: SyncReport) -> None:
        """Upload or replace one file; after a 5xx the step starts again from a fresh read."""
        retries = self.client.retries
        for attempt in range(retries + 1):
            try:
                self.sync_file_once(dataset_id, file, report)
                return
            except Retryable as exc:
                if attempt == retries:
                    raise PublishError(
                        f"gave up after {retries + 1} attempts: {exc.message}", where=exc.where
                    ) from None
                self.client.pause(attempt)

    def sync_file_once(self, dataset_id: str, file: ReleaseFile, report: SyncReport) -> None:
        current = self.client.call("GET", f"datasets/{dataset_id}/", what=f"dataset {dataset_id}")
        path = release_path(self.release_dir, file.path)
        resource = find_resource(current.get("resources", []), file, path)
        if resource is not None and resource_is_current(resource, path):
            self.update_resource_fields(dataset_id, resource, file, report)
            if all(a.target != file.path for a in report.actions):
                report.unchanged.append(file.path)
            return
        kind = "upload" if resource is None else "replace"
        report.actions.append(Action(kind, file.path, f"{file.byte_size} bytes"))
        if self.dry_run:
            return
        endpoint = (
            f"datasets/{dataset_id}/upload/"
            if resource is None
            else f"datasets/{dataset_id}/resources/{resource['id']}/upload/"
        )
        with path.open("rb") as handle:
            uploaded = self.client.call(
                "POST",
                endpoint,
                files={"file": (Path(file.path).name, handle, file.media_type)},
                what=str(path),
                retry=False,
            )
        self.update_resource_fields(dataset_id, uploaded, file, report, quiet=True)

    def update_resource_fields(
        self,
        dataset_id: str,
        resource: dict[str, Any],
        file: ReleaseFile,
        report: SyncReport,
        *,
        quiet: bool = False,
    ) -> None:
        wanted = resource_fields(file)
        changes = {k: v for k, v in wanted.items() if resource.get(k) != v}
        if not changes:
            return
        if not quiet:
            report.actions.append(Action("update-resource", file.path, ", ".join(changes)))
        if not self.dry_run:
            self.client.call(
                "PUT",
                f"datasets/{dataset_id}/resources/{resource['id']}/",
                json=changes,
                what=f"resource {file.path}",
            )
