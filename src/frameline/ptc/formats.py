"""Reading and writing the shared task's files, strictly, with errors that name the file and line.

The formats (tab-separated, one annotation a line, offsets are character
indices into the article file, start inclusive, end exclusive):

- articles: a folder of `article<ID>.txt`, UTF-8; offsets count every
  character as stored, so files are read without newline translation;
- TC/FLC labels and TC predictions: `ID<TAB>technique<TAB>start<TAB>end`;
- TC template: the same with `?` for the technique;
- SI labels and predictions: `ID<TAB>start<TAB>end`.

Prediction files come from other people's systems, so a bad line is an error
that says where it is, never a silent skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# The 14 labels of SemEval-2020 Task 11, spelt as in the corpus files.
TECHNIQUES: tuple[str, ...] = (
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)
UNKNOWN = "?"  # the technique column of a TC template
_ARTICLE_NAME = re.compile(r"article(\w+)\.txt")


class PtcFormatError(ValueError):
    """A file that does not follow the shared task's format; says which file and line."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = Path(path), line, reason
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, order=True)
class Annotation:
    """One line of a labels/prediction file; `technique` is None for SI lines and '?' in templates."""

    article: str
    start: int
    end: int
    technique: str | None = None

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.article, self.start, self.end)


def read_articles(folder: Path | str) -> dict[str, str]:
    """Article id -> text, for every `article<ID>.txt` in the folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PtcFormatError(folder, None, "not a folder of article<ID>.txt files")
    articles: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        match = _ARTICLE_NAME.fullmatch(path.name)
        if not match:
            continue
        try:
            with path.open(encoding="utf-8", newline="") as handle:  # offsets count "\r" too
                articles[match.group(1)] = handle.read()
        except UnicodeDecodeError as error:
            raise PtcFormatError(path, None, f"not UTF-8 ({error.reason} at byte {error.start})") from None
    if not articles:
        raise PtcFormatError(folder, None, "no article<ID>.txt files in this folder")
    return articles


def _offsets(path: Path, number: int, start_text: str, end_text: str) -> tuple[int, int]:
    try:
        start, end = int(start_text), int(end_text)
    except ValueError:
        raise PtcFormatError(path, number, f"offsets must be integers, got {start_text!r} and {end_text!r}") from None
    if start < 0 or end <= start:
        raise PtcFormatError(path, number, f"needs 0 <= start < end, got {start} and {end}")
    return start, end


def read_annotations(path: Path | str, kind: str, techniques: Iterable[str] | None = TECHNIQUES) -> list[Annotation]:
    """The lines of a file of `kind` "tc" (labels or predictions), "template" or "si".

    `techniques`: the labels a "tc" file may use (None accepts any non-empty label).
    Blank lines are allowed; anything else that does not parse is an error.
    """
    if kind not in ("tc", "template", "si"):
        raise ValueError(f"unknown kind {kind!r}: use 'tc', 'template' or 'si'")
    path = Path(path)
    allowed = None if techniques is None else set(techniques)
    columns = 3 if kind == "si" else 4
    annotations: list[Annotation] = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                line = raw.rstrip("\r\n")
                if not line.strip():
                    continue
                fields = [field.strip() for field in line.split("\t")]
                if len(fields) != columns:
                    raise PtcFormatError(path, number, f"expected {columns} tab-separated columns, got {len(fields)}")
                if not fields[0]:
                    raise PtcFormatError(path, number, "empty article id")
                if kind == "si":
                    start, end = _offsets(path, number, fields[1], fields[2])
                    annotations.append(Annotation(fields[0], start, end))
                    continue
                technique = fields[1]
                if kind == "template" and technique != UNKNOWN:
                    raise PtcFormatError(path, number, f"a template has '?' as technique, got {technique!r}")
                if kind == "tc" and (not technique or (allowed is not None and technique not in allowed)):
                    raise PtcFormatError(path, number, f"unknown technique {technique!r}")
                start, end = _offsets(path, number, fields[2], fields[3])
                annotations.append(Annotation(fields[0], start, end, technique))
    except UnicodeDecodeError as error:
        raise PtcFormatError(path, None, f"not UTF-8 ({error.reason} at byte {error.start})") from None
    except FileNotFoundError:
        raise PtcFormatError(path, None, "no such file") from None
    return annotations


def check_offsets(annotations: Iterable[Annotation], articles: dict[str, str], path: Path | str) -> None:
    """Every annotation names a known article and lies inside its text."""
    for number, annotation in enumerate(annotations, start=1):
        text = articles.get(annotation.article)
        if text is None:
            raise PtcFormatError(path, number, f"article {annotation.article} is not in the articles folder")
        if annotation.end > len(text):
            raise PtcFormatError(path, number, f"end {annotation.end} is past the article's {len(text)} characters")


def format_annotation(annotation: Annotation) -> str:
    if annotation.technique is None:
        return f"{annotation.article}\t{annotation.start}\t{annotation.end}"
    return f"{annotation.article}\t{annotation.technique}\t{annotation.start}\t{annotation.end}"


def write_annotations(path: Path | str, annotations: Iterable[Annotation]) -> int:
    """Write lines in the shared task's format (SI lines when `technique` is None); returns the count."""
    lines = [format_annotation(annotation) for annotation in annotations]
    Path(path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)
