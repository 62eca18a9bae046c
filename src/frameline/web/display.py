"""Plain-language wording for what the store records in codes: languages, technique coverage, analysis state.

Kept apart from the templates so that every page says the same thing the
same way, and so the wording can be tested without rendering a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from frameline.records import DocLabel

ENTITY_LAYER = "entity"  # its document labels' score is a mention count
TECHNIQUE_COVERAGE_LAYER = "technique-span"  # the technique-spans analyser's covered / not-covered label
# Codes the language analyser writes that are not languages.
NOT_LANGUAGES = {"und": "undetermined", "unknown": "unknown", "zxx": "no linguistic content", "mul": "several"}


def language_name(code: str | None) -> str:
    """'und' -> 'undetermined'; real language codes stay codes (short, and what filters and the API take)."""
    if not code:
        return "unknown"
    return NOT_LANGUAGES.get(code, code)


def label_score(label: DocLabel) -> str:
    """A document label's score as the Labels panel shows it: "0.83" for a confidence, "×2" for an entity.

    The entity analyser's document label counts the entity's mentions (see
    `frameline.analysis.entities`), so "2.00" would read as a confidence.
    """
    if label.score is None:
        return ""
    if label.layer == ENTITY_LAYER:
        return f"×{label.score:g}"
    return f"{label.score:.2f}"


def technique_coverage(labels: list[DocLabel]) -> str | None:
    """One sentence on whether the persuasion-technique models read this document, or None if they never ran.

    The models are trained on English only; for other languages the analyser
    records "not-covered" so that the page can say "not analysed" rather than
    suggest that no technique was used.
    """
    label = next((l for l in labels if l.layer == TECHNIQUE_COVERAGE_LAYER), None)
    if label is None:
        return None
    attributes = label.attributes or {}
    covered = attributes.get("covered") or ["en"]
    languages = " and ".join("English" if code == "en" else code for code in covered)
    if label.label == "not-covered":
        language = language_name(attributes.get("language"))
        return (f"Persuasion techniques: {languages} only — not analysed for this document's language "
                f"({language}).")
    found = attributes.get("spans")
    result = ("no technique spans found" if found == 0 else
              f"{found} technique span{'' if found == 1 else 's'} found" if isinstance(found, int) else "analysed")
    scanned = attributes.get("scanned_chars")
    return (f"Persuasion techniques: analysed ({languages} models); {result}"
            + (f" in the first {scanned:,} characters." if isinstance(scanned, int) else "."))


@dataclass(frozen=True)
class HighlightNote:
    """What to say when a document shows no highlights: analysis found nothing, or has not run."""

    analysed: bool
    text: str


def no_highlights_note(analysers: list[str], labels: list[DocLabel] | None = None) -> HighlightNote:
    """'Analysed: nothing found' when analysers have read the document, else the command that would."""
    if not analysers:
        return HighlightNote(False, "Not analysed yet: run `frameline analyze` to find frames, techniques, quotes "
                                    "and entities.")
    skipped = any(l.layer == TECHNIQUE_COVERAGE_LAYER and l.label == "not-covered" for l in labels or [])
    return HighlightNote(True, f"Analysed by {plural(len(analysers), 'analyser')}: nothing found to highlight"
                               + (" (persuasion techniques are not looked for in this language)." if skipped else "."))


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 source', '3 sources'."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
