"""Shareable hash lists: the text format, its checks, and matching another team's list (exact and near)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from frameline.analysis.duplicates import DuplicateAnalyser
from frameline.analysis.hashlists import (
    HEADER,
    HashLine,
    HashListError,
    cluster_hash_lines,
    format_hash_list,
    import_hash_list,
    lists_digest,
    parse_hash_list,
    workspace_lists,
)
from frameline.analysis.known_lists import KnownListAnalyser
from frameline.pipeline import analyze
from frameline.records import RawDocument, SourceRef
from frameline.workspace import init_workspace

T0 = datetime(2017, 7, 10, tzinfo=timezone.utc)
CLAIM = ("The soldiers of the Caliphate repelled an attack by the Rafidi army on the outskirts of the old city "
         "of Mosul, killing dozens of them and destroying several vehicles, and the battle goes on until victory.")
OTHER = ("The Iraqi government announced today that the city of Mosul has been fully liberated after nine months "
         "of fighting, and people went out into the streets to celebrate the victory over the organisation.")
ARABIC = ("تمكن جنود الخلافة من صد هجوم للجيش الرافضي على أطراف مدينة الموصل وقتل العشرات منهم وتدمير عدد من "
          "الآليات، والحمد لله رب العالمين، وإن المعركة مستمرة حتى النصر أو الشهادة")


def store_texts(store, texts: list[str], source: str = "Nashir News", start: int = 0) -> list[int]:  # noqa: ANN001
    return store.write_documents([
        RawDocument(source=SourceRef("telegram", source), native_id=str(start + n), text=text,
                    published_at=T0 + timedelta(hours=start + n)) for n, text in enumerate(texts)]).new_ids


def test_lines_round_trip_and_tabs_in_labels_are_flattened():
    lines = [HashLine("exact/1", bytes(range(32)), "Amaq\tclaim\nMosul", "Nashir News"),
             HashLine("minhash/1/5x128", b"\x00\xff" * 256, "مؤسسة الفرقان", "")]
    text = format_hash_list(lines, "from team A")
    assert text.startswith(HEADER + "\n# from team A\n")
    parsed = parse_hash_list(text)
    assert parsed[0] == HashLine("exact/1", bytes(range(32)), "Amaq claim Mosul", "Nashir News")
    assert parsed[1] == lines[1]
    assert text.splitlines()[2].startswith("exact/1:000102")


@pytest.mark.parametrize("line, reason", [
    ("exact/1:abcd\tlabel", "expected 3 tab-separated fields"),
    ("abcd\tlabel\tsource", "does not start with a signature kind"),
    ("exact/1:ABCD\tlabel\tsource", "not lower-case hexadecimal"),
    ("exact/1:abc\tlabel\tsource", "not lower-case hexadecimal"),
    ("exact/1:abcd\t\tsource", "the label is empty"),
])
def test_a_bad_line_is_an_error_naming_the_file_and_line(line, reason):
    with pytest.raises(HashListError, match=rf"partner\.txt, line 3: .*{reason}"):
        parse_hash_list(f"{HEADER}\n\n{line}\n", "partner.txt")


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("exact/1:ab\tcaf\xe9\tx\n".encode("latin-1"))
    workspace = init_workspace(tmp_path / "case")
    with pytest.raises(HashListError, match="latin1.txt: not UTF-8"):
        import_hash_list(workspace, path)


def test_export_a_cluster_then_another_workspace_flags_exact_and_near_copies(tmp_path):
    ours = init_workspace(tmp_path / "ours")
    store = ours.open_store()
    ids = store_texts(store, [CLAIM, f"Amaq Agency:\n{CLAIM} #Mosul\nshare and spread", OTHER])
    analyze(store, ours, only=["duplicates"], workers=1)
    cluster = store.cluster_ids(ids)[ids[0]]
    lines = cluster_hash_lines(store, [cluster], label="Amaq claim, Mosul")
    assert {line.kind for line in lines} == set(DuplicateAnalyser().kinds)
    assert len([line for line in lines if line.kind.startswith("exact")]) == 1  # both copies hash the same
    assert {(line.label, line.source) for line in lines} == {("Amaq claim, Mosul", "Nashir News")}
    shared = tmp_path / "amaq-mosul.txt"
    shared.write_text(format_hash_list(lines), encoding="utf-8")

    theirs = init_workspace(tmp_path / "theirs")
    other = theirs.open_store()
    edited = CLAIM.replace("dozens", "many").replace("several", "a number of")
    found = store_texts(other, [f"Repost\n{CLAIM}\nshare and spread", edited + " #الموصل", OTHER, ARABIC], source="relay")
    analyze(other, theirs, workers=1)  # before the list: nothing is known
    assert not any(other.get_labels(document_id, ["known-list"]) for document_id in found)

    name, imported = import_hash_list(theirs, shared, "partner-a")
    assert name == "partner-a" and len(imported) == len(lines)
    report = analyze(other, theirs, workers=1)
    assert report["known-lists"].documents == 4 and report["duplicates"].documents == 0  # only the lists re-ran
    exact = other.get_labels(found[0], ["known-list"])
    assert [(l.label, l.score, l.attributes["method"], l.attributes["list"], l.attributes["source"]) for l in exact] \
        == [("Amaq claim, Mosul", 1.0, "exact", "partner-a", "Nashir News")]
    near = other.get_labels(found[1], ["known-list"])
    assert [l.attributes["method"] for l in near] == ["minhash"] and 0.5 <= near[0].score < 1.0
    assert other.get_labels(found[2], ["known-list"]) == other.get_labels(found[3], ["known-list"]) == []
    assert other.count_labelled("known-list", {"list": "partner-a"}) == 2

    later = store_texts(other, [f"BREAKING\n{CLAIM}\nJoin us"], source="relay", start=10)
    assert analyze(other, theirs, workers=1)["known-lists"].documents == 1  # new documents are checked as they come
    assert [l.label for l in other.get_labels(later[0], ["known-list"])] == ["Amaq claim, Mosul"]


def test_the_lists_are_configuration_and_unknown_kinds_are_skipped(tmp_path):
    workspace = init_workspace(tmp_path / "case")
    assert workspace_lists(workspace) == {} and KnownListAnalyser.from_workspace(workspace).config_version() == ""
    path = tmp_path / "list.txt"
    path.write_text(format_hash_list([HashLine("pdq/1", b"\x01" * 32, "an image", "team B"),
                                      HashLine("exact/1", b"\x02" * 32, "a text", "team B")]), encoding="utf-8")
    import_hash_list(workspace, path)
    analyser = KnownListAnalyser.from_workspace(workspace)
    assert analyser.config_version() == lists_digest(workspace_lists(workspace)) != ""
    assert analyser.index().skipped == {"pdq/1": 1}
