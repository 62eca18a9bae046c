"""Shareable hash lists: how teams exchange known-propaganda signatures, and how a workspace keeps them.

A hash list is a UTF-8 text file, one signature per line, three fields
separated by tabs:

    # frameline hash list 1
    # comments start with "#"; blank lines are ignored
    exact/1:9f86d081884c7d65…	Amaq claim, Mosul 2017-07-10	Nashir News
    minhash/1/5x128:0c1a…	Amaq claim, Mosul 2017-07-10	Nashir News

- `<kind>:<hex>`: the signature kind exactly as Frameline names it (type,
  type version and parameters, see `frameline.analysis.signatures`) and the
  signature in lower-case hex: SHA-256 of the canonical text for `exact`, the
  128 MinHash values (little-endian uint32) for `minhash`, so a near match is
  found even when the other team's copy was edited;
- the label analysts give the content (what it is, which campaign);
- the source it was seen in first (a channel name, a team), for provenance.

Labels and sources may not contain tabs or line breaks; they are kept as
written otherwise.  Nothing in a list is text of the documents: a list can be
shared without sharing the corpus.

Exporting (`cluster_hash_lines`) takes a cluster's members' stored
signatures; importing copies a checked list into the workspace's `hashlists/`
folder, where the `known-lists` analyser (`frameline.analysis.known_lists`)
reads every list as configuration.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frameline.store import SqlStore
    from frameline.workspace import Workspace

HEADER = "# frameline hash list 1"
FOLDER = "hashlists"  # inside the workspace
MAX_LINE_CHARS = 20_000  # a MinHash line is about 1,100 characters; anything far longer is not a hash list
_KIND = re.compile(r"[a-z][a-z0-9\-]*(?:/[A-Za-z0-9.\-]+)*")
_HEX = re.compile(r"(?:[0-9a-f]{2})+")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


class HashListError(ValueError):
    """A hash list that cannot be used; says which file, which line and what is wrong."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path}, line {line}: {reason}" if line else f"{path}: {reason}")


@dataclass(frozen=True)
class HashLine:
    kind: str
    value: bytes
    label: str
    source: str

    def format(self) -> str:
        return f"{self.kind}:{self.value.hex()}\t{_field(self.label)}\t{_field(self.source)}"


def _field(text: str) -> str:
    """A label or source as one field: tabs and line breaks become spaces."""
    return " ".join(text.replace("\t", " ").splitlines()).strip()


def format_hash_list(lines: Iterable[HashLine], comment: str = "") -> str:
    out = [HEADER] + [f"# {_field(part)}" for part in comment.splitlines() if part.strip()]
    out += [line.format() for line in lines]
    return "\n".join(out) + "\n"


def parse_hash_list(text: str, path: str = "<hash list>") -> list[HashLine]:
    """Every hash of a list, checked; the first bad line is an error naming the file and line."""
    found: list[HashLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip("\r\n ")
        if not line or line.startswith("#"):
            continue
        if len(line) > MAX_LINE_CHARS:
            raise HashListError(path, number, f"line is {len(line):,} characters long; not a hash list line")
        fields = line.split("\t")
        if len(fields) != 3:
            raise HashListError(path, number, f"expected 3 tab-separated fields (kind:hex, label, source), "
                                              f"found {len(fields)}")
        signature, label, source = (field.strip() for field in fields)
        kind, colon, hex_value = signature.rpartition(":")
        if not colon or not _KIND.fullmatch(kind):
            raise HashListError(path, number, f"{signature[:40]!r} does not start with a signature kind such as "
                                              "'exact/1:'")
        if not _HEX.fullmatch(hex_value):
            raise HashListError(path, number, "the signature is not lower-case hexadecimal of whole bytes")
        if not label:
            raise HashListError(path, number, "the label is empty")
        found.append(HashLine(kind, bytes.fromhex(hex_value), label, source))
    return found


def read_hash_list(path: Path) -> list[HashLine]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise HashListError(str(path), None, f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    except OSError as error:
        raise HashListError(str(path), None, f"cannot be read ({error.strerror or error})") from error
    return parse_hash_list(text, str(path))


# -- the workspace's lists -------------------------------------------------------


def lists_folder(workspace: Workspace) -> Path:
    return workspace.path / FOLDER


def workspace_lists(workspace: Workspace | None) -> dict[str, list[HashLine]]:
    """List name (file stem) -> its hashes, for every list imported into the workspace."""
    if workspace is None or not lists_folder(workspace).is_dir():
        return {}
    return {path.stem: read_hash_list(path) for path in sorted(lists_folder(workspace).glob("*.txt"))}


def lists_digest(lists: dict[str, list[HashLine]]) -> str:
    """Changes whenever a list is added, removed or edited: the known-lists analyser's configuration version."""
    digest = hashlib.sha256()
    for name, lines in sorted(lists.items()):
        digest.update(name.encode())
        for line in lines:
            digest.update(line.format().encode())
    return digest.hexdigest()[:16] if lists else ""


def import_hash_list(workspace: Workspace, path: Path, name: str | None = None) -> tuple[str, list[HashLine]]:
    """Check a list and copy it into the workspace as `hashlists/<name>.txt`; returns (name, its hashes).

    Importing under an existing name replaces that list (a team's updated release).
    """
    lines = read_hash_list(path)
    name = name or Path(path).stem
    if not _NAME.fullmatch(name):
        raise HashListError(str(path), None, f"{name!r} cannot name a list: use letters, digits, '.', '_' or '-'")
    folder = lists_folder(workspace)
    folder.mkdir(exist_ok=True)
    target = folder / f"{name}.txt"
    temporary = target.with_suffix(".partial")
    temporary.write_text(format_hash_list(lines, f"imported from {Path(path).name}"), encoding="utf-8")
    temporary.replace(target)
    return name, lines


def remove_hash_list(workspace: Workspace, name: str) -> bool:
    target = lists_folder(workspace) / f"{name}.txt"
    if not _NAME.fullmatch(name) or not target.is_file():
        return False
    target.unlink()
    return True


# -- exporting clusters ------------------------------------------------------------


def cluster_hash_lines(store: SqlStore, cluster_ids: Iterable[int], label: str | None = None,
                       source: str | None = None, kinds: Iterable[str] | None = None) -> list[HashLine]:
    """The distinct stored signatures of these clusters' members, one line each.

    `label` defaults to "cluster <id>"; `source` to the name of the source that
    posted the cluster's first-seen member.  `kinds` limits the signature kinds.
    """
    wanted = set(kinds) if kinds is not None else None
    lines: list[HashLine] = []
    seen: set[tuple[str, bytes]] = set()
    source_names = {found.id: found.name for found in store.list_sources()}
    for cluster_id in cluster_ids:
        summary = store.get_cluster(cluster_id)
        if summary is None:
            raise LookupError(f"no cluster {cluster_id}; see `frameline clusters list`")
        members = [member.document_id for member in store.cluster_members(cluster_id)]
        first_source = source_names.get(summary.first_source_id, "") if summary.first_source_id else ""
        cluster_label = label or f"cluster {cluster_id}"
        for document_id, signatures in sorted(store.signatures_of(members).items()):
            for kind, value in sorted(signatures.items()):
                if (wanted is not None and kind not in wanted) or (kind, value) in seen:
                    continue
                seen.add((kind, value))
                lines.append(HashLine(kind, value, cluster_label, source or first_source))
    return lines
