"""The shared task's file formats: round trips, and bad lines reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from frameline.ptc.formats import (Annotation, PtcFormatError, check_offsets, read_annotations, read_articles,
                                   write_annotations)


def test_tc_and_si_files_round_trip(tmp_path: Path) -> None:
    tc = [Annotation("111", 3, 9, "Loaded_Language"), Annotation("111", 3, 9, "Repetition"),
          Annotation("222", 0, 4, "Name_Calling,Labeling")]
    write_annotations(tmp_path / "tc.labels", tc)
    assert read_annotations(tmp_path / "tc.labels", "tc") == tc
    assert (tmp_path / "tc.labels").read_text().splitlines()[2] == "222\tName_Calling,Labeling\t0\t4"
    si = [Annotation("111", 3, 9), Annotation("222", 0, 4)]
    write_annotations(tmp_path / "si.labels", si)
    assert read_annotations(tmp_path / "si.labels", "si") == si


def test_template_lines_carry_a_question_mark(tmp_path: Path) -> None:
    (tmp_path / "template.out").write_text("111\t?\t3\t9\n\n222\t?\t0\t4\n")
    assert read_annotations(tmp_path / "template.out", "template") == [
        Annotation("111", 3, 9, "?"), Annotation("222", 0, 4, "?")]


@pytest.mark.parametrize(("kind", "content", "reason"), [
    ("tc", "111\tLoaded_Language\t3\t9\n111\tLoaded_Language\t3\n", "expected 4 tab-separated columns, got 3"),
    ("tc", "111\tLoaded_Language\t3\t9\n111\tLoaded_Language\tthree\t9\n", "offsets must be integers"),
    ("tc", "111\tLoaded_Language\t3\t9\n111\tLoaded_Language\t9\t9\n", "needs 0 <= start < end"),
    ("tc", "111\tLoaded_Language\t3\t9\n111\tPropaganda\t1\t9\n", "unknown technique 'Propaganda'"),
    ("template", "111\t?\t3\t9\n111\tDoubt\t1\t9\n", "a template has '?' as technique"),
    ("si", "111\t3\t9\n111 3 9\n", "expected 3 tab-separated columns, got 1"),
    ("si", "111\t3\t9\n\t3\t9\n", "empty article id"),
])
def test_bad_lines_name_the_file_and_line(tmp_path: Path, kind: str, content: str, reason: str) -> None:
    path = tmp_path / "bad.labels"
    path.write_text(content)
    with pytest.raises(PtcFormatError) as raised:
        read_annotations(path, kind)
    assert raised.value.line == 2
    assert str(raised.value).startswith(f"{path}:2: ")
    assert reason in raised.value.reason


def test_articles_keep_their_line_endings_so_offsets_match(tmp_path: Path) -> None:
    (tmp_path / "article7.txt").write_bytes("Title\r\n\r\nThey are “traitors”.\n".encode())
    (tmp_path / "notes.txt").write_text("not an article")
    articles = read_articles(tmp_path)
    assert list(articles) == ["7"]
    assert len(articles["7"]) == 30  # "\r" counted: 9 characters of title and blank line
    assert articles["7"][19:27] == "traitors"
    check_offsets([Annotation("7", 19, 27, "Name_Calling,Labeling")], articles, "x.labels")
    with pytest.raises(PtcFormatError, match=r"x.labels:1: end 99 is past the article's 30 characters"):
        check_offsets([Annotation("7", 18, 99)], articles, "x.labels")
    with pytest.raises(PtcFormatError, match="article 8 is not in the articles folder"):
        check_offsets([Annotation("8", 1, 2)], articles, "x.labels")


def test_missing_and_undecodable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(PtcFormatError, match="no such file"):
        read_annotations(tmp_path / "absent.labels", "si")
    (tmp_path / "article1.txt").write_bytes(b"caf\xe9")
    with pytest.raises(PtcFormatError, match="article1.txt: not UTF-8"):
        read_articles(tmp_path)
    with pytest.raises(PtcFormatError, match="absent: not a folder of article"):
        read_articles(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PtcFormatError, match="no article<ID>.txt files"):
        read_articles(tmp_path / "empty")
