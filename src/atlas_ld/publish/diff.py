"""What changed between two releases (or stores): an RDF Patch and a per-partnership change log.

`changes.rdfp` is an RDF Patch in Apache Jena's format (https://jena.apache.org/documentation/rdf-patch/):
`H id` and `H prev` headers, then one transaction of `D` (delete) and `A` (add) lines, each an
N-Quads statement. The patch's id is made from the new release's id and `prev` from the old one's,
so the patches of successive releases chain. Applying it to the old release's N-Quads gives the
new release's N-Quads exactly; that only holds without blank nodes (their labels are local to a
document), so a changed statement with a blank node is refused rather than written.

`changes.csv` and `changes.md` say the same per partnership, for people: added, removed, or
changed with each field old → new. The fields are the columns of the release's own tables
(`queries/tables/*.rq`: partnerships, roles, themes, financing, countries), so the change log
and the CSV tables agree on what a field is.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from atlas_ld.core.errors import PublishError
from atlas_ld.core.release import MANIFEST_NAME, ReleaseManifest, nquads_digest, release_id
from atlas_ld.publish import tables

PATCH_NAME = "changes.rdfp"
CSV_NAME = "changes.csv"
MD_NAME = "changes.md"
CSV_COLUMNS = ["partnership", "atlas_id", "title", "change", "field", "old", "new"]
# Fields compared per partnership, in the order a change log lists them.
SCALAR_FIELDS = (
    "title",
    "status",
    "first_agreement_year",
    "start_year",
    "end_year",
    "form",
    "description",
)
DESCRIPTION_QUERY = """
PREFIX atlas: <https://atlas-ld.example/def/atlas#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?partnership ?description WHERE {
  ?partnership a atlas:Partnership ; dcterms:description ?description .
}"""


def patch_iri(rid: str) -> str:
    return f"urn:atlas-ld:release:{rid}"


@dataclass(slots=True)
class Snapshot:
    """One side of a diff: its release id, its sorted N-Quads lines and its facts."""

    release_id: str
    lines: list[str]
    facts: dict[str, PartnershipFacts]


@dataclass(slots=True)
class PartnershipFacts:
    """What the change log compares for one partnership (values as the tables give them)."""

    atlas_id: str = ""
    scalars: dict[str, str] = field(default_factory=dict)
    themes: set[str] = field(default_factory=set)
    partners: set[str] = field(default_factory=set)  # "role: name"
    countries: set[str] = field(default_factory=set)
    financing: dict[str, str] = field(default_factory=dict)  # "funder, year" -> "amount EUR"


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the change log."""

    partnership: str
    atlas_id: str
    title: str
    change: str  # added, removed, changed
    field: str = ""
    old: str = ""
    new: str = ""


@dataclass(slots=True)
class ChangeLog:
    old_id: str
    new_id: str
    added: list[str]  # patch lines
    deleted: list[str]
    changes: list[Change]

    def counts(self) -> dict[str, int]:
        """Partnerships added, removed and changed, and statements added and deleted."""
        partnerships = {
            kind: len({c.partnership for c in self.changes if c.change == kind})
            for kind in ("added", "removed", "changed")
        }
        return {
            **partnerships,
            "statements_added": len(self.added),
            "statements_deleted": len(self.deleted),
        }


# -- reading either side -----------------------------------------------------------------------


def facts_from_tables(results: dict[str, tables.Table], descriptions: tables.Table) -> dict:
    """Per partnership IRI, the facts the change log compares, from the release's table rows."""
    facts: dict[str, PartnershipFacts] = {}

    def rows(name: str) -> Iterable[dict[str, str]]:
        table = results[name]
        for row in table.rows:
            yield {v: tables.cell_text(t) for v, t in zip(table.variables, row, strict=True)}

    for row in rows("partnerships"):
        item = facts.setdefault(row["partnership"], PartnershipFacts())
        item.atlas_id = row["atlas_id"]
        item.scalars.update(
            title=row["title"],
            status=row["status_label"] or row["status"],
            first_agreement_year=row["first_agreement_year"],
            start_year=row["start_year"],
            end_year=row["end_year"],
            form=row["form"],
        )
    for row in rows("themes"):
        if row["partnership"] in facts:
            facts[row["partnership"]].themes.add(row["theme_label"] or row["theme"])
    for row in rows("roles"):
        if row["partnership"] in facts:
            role = row["role_label"] or row["role"]
            name = row["actor_name"] or row["as_written"] or row["actor"]
            facts[row["partnership"]].partners.add(f"{role}: {name}")
    for row in rows("partnership_countries"):
        if row["partnership"] in facts:
            facts[row["partnership"]].countries.add(row["country_label"] or row["country"])
    for row in rows("financing"):
        if row["partnership"] in facts:
            key = f"{row['funder_name'] or row['funder']}, {row['year'] or 'sans année'}"
            amount = f"{row['amount']} {row['currency']}".strip()
            if row["water_oudin_part"]:
                amount += f" (1 % eau : {row['water_oudin_part']})"
            facts[row["partnership"]].financing[key] = amount
    for partnership, description in descriptions.rows:
        if partnership.value in facts:
            facts[partnership.value].scalars["description"] = description.value
    return facts


def store_facts(
    store: ox.Store, results: dict[str, tables.Table] | None = None
) -> dict[str, PartnershipFacts]:
    """Facts of a store holding the published graphs (the release's snapshot)."""
    if results is None:
        results = {q.name: tables.run_table(store, q) for q in tables.table_queries()}
    descriptions = tables.run_table(
        store, tables.TableQuery("descriptions", "", "", {}, DESCRIPTION_QUERY)
    )
    return facts_from_tables(results, descriptions)


def snapshot_of(path: Path) -> Snapshot:
    """A release directory (its `atlas.nq.gz`) or an atlas-ld store (its public graphs)."""
    path = Path(path)
    if (path / MANIFEST_NAME).is_file():
        manifest = ReleaseManifest.read(path)
        try:
            nquads = gzip.decompress((path / "atlas.nq.gz").read_bytes())
        except (OSError, EOFError) as exc:
            raise PublishError(f"cannot read atlas.nq.gz: {exc}", where=str(path)) from None
        store = ox.Store()
        store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
        rid = manifest.release_id or release_id(manifest.modified, nquads_digest(nquads))
        return Snapshot(rid, nquads.decode().splitlines(), store_facts(store))
    from atlas_ld.publish.release import newest_capture, release_quads
    from atlas_ld.store.disk import open_store

    quads = release_quads(open_store(path, read_only=True))
    nquads = ox.serialize(quads, None, ox.RdfFormat.N_QUADS)
    store = ox.Store()
    store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
    rid = release_id(newest_capture(quads), nquads_digest(nquads))
    return Snapshot(rid, nquads.decode().splitlines(), store_facts(store))


# -- comparing ---------------------------------------------------------------------------------


def compare(old: Snapshot, new: Snapshot) -> ChangeLog:
    old_lines, new_lines = set(old.lines), set(new.lines)
    deleted = sorted(old_lines - new_lines)
    added = sorted(new_lines - old_lines)
    _refuse_blank_nodes(deleted + added)
    return ChangeLog(old.release_id, new.release_id, added, deleted, changes(old.facts, new.facts))


def _refuse_blank_nodes(lines: list[str]) -> None:
    for quad in ox.parse("\n".join(lines), ox.RdfFormat.N_QUADS):
        terms = (quad.subject, quad.object, quad.graph_name)
        if any(isinstance(term, ox.BlankNode) for term in terms):
            raise PublishError(
                f"a changed statement has a blank node ({quad}); an RDF Patch cannot name it",
                where=PATCH_NAME,
                hint="give the node an IRI in the mapping",
            )


def changes(old: dict[str, PartnershipFacts], new: dict[str, PartnershipFacts]) -> list[Change]:
    """Per partnership: added, removed, or each changed field old → new."""
    out: list[Change] = []
    for iri in sorted(old.keys() | new.keys()):
        before, after = old.get(iri), new.get(iri)
        head = after or before
        assert head is not None
        title = head.scalars.get("title", "")
        if before is None or after is None:
            out.append(Change(iri, head.atlas_id, title, "added" if before is None else "removed"))
            continue
        for name, old_value, new_value in _field_changes(before, after):
            out.append(Change(iri, head.atlas_id, title, "changed", name, old_value, new_value))
    return out


def _field_changes(before: PartnershipFacts, after: PartnershipFacts):
    for name in SCALAR_FIELDS:
        old_value, new_value = before.scalars.get(name, ""), after.scalars.get(name, "")
        if old_value != new_value:
            yield name, old_value, new_value
    for name, old_set, new_set in (
        ("theme", before.themes, after.themes),
        ("partner", before.partners, after.partners),
        ("country", before.countries, after.countries),
    ):
        for value in sorted(old_set - new_set):
            yield name, value, ""
        for value in sorted(new_set - old_set):
            yield name, "", value
    for key in sorted(before.financing.keys() | after.financing.keys()):
        old_value, new_value = before.financing.get(key, ""), after.financing.get(key, "")
        if old_value != new_value:
            yield f"financing {key}", old_value, new_value


# -- writing -----------------------------------------------------------------------------------


def patch_text(log: ChangeLog) -> str:
    """The RDF Patch: headers, then one transaction, deletions before additions."""
    lines = [f"H id <{patch_iri(log.new_id)}> .", f"H prev <{patch_iri(log.old_id)}> .", "TX ."]
    lines += [f"D {line}" for line in log.deleted]
    lines += [f"A {line}" for line in log.added]
    lines.append("TC .")
    return "\n".join(lines) + "\n"


def changes_csv(log: ChangeLog) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for change in log.changes:
        writer.writerow(asdict(change))
    return out.getvalue()


def changes_markdown(log: ChangeLog) -> str:
    counts = log.counts()
    lines = [
        f"# Changes from {log.old_id} to {log.new_id}",
        "",
        f"- {counts['added']} partnerships added, {counts['removed']} removed, "
        f"{counts['changed']} changed",
        f"- {counts['statements_added']} RDF statements added, "
        f"{counts['statements_deleted']} deleted (`{PATCH_NAME}`)",
    ]
    for kind, heading in (("added", "Added"), ("removed", "Removed"), ("changed", "Changed")):
        rows = [c for c in log.changes if c.change == kind]
        if not rows:
            continue
        lines += ["", f"## {heading}", ""]
        seen: set[str] = set()
        for change in rows:
            if change.partnership not in seen:
                seen.add(change.partnership)
                label = change.atlas_id or change.partnership
                lines.append(f"- **{_md(change.title)}** ({label}) <{change.partnership}>")
            if kind == "changed":
                lines.append(
                    f"  - {change.field}: {_md(change.old) or '—'} → {_md(change.new) or '—'}"
                )
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown list item: one line, markup characters escaped."""
    text = " ".join(text.split())
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def write_changes(folder: Path, log: ChangeLog) -> list[str]:
    """Write changes.rdfp, changes.csv and changes.md into `folder`; their names."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PATCH_NAME).write_text(patch_text(log), encoding="utf-8")
    (folder / CSV_NAME).write_text(changes_csv(log), encoding="utf-8", newline="")
    (folder / MD_NAME).write_text(changes_markdown(log), encoding="utf-8")
    return [PATCH_NAME, CSV_NAME, MD_NAME]


def diff(old: Path, new: Path) -> ChangeLog:
    """Compare two releases or stores (either kind on either side)."""
    return compare(snapshot_of(old), snapshot_of(new))
