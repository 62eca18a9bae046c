"""Snippets highlight the original characters of every hit."""

from frameline.text.snippets import make_snippet


def marked(fragments) -> str:
    return "".join(f"[{f.text}]" if f.highlighted else f.text for f in fragments)


def test_hits_are_marked_on_original_spelling():
    text = "The soldiers of the Caliphate in المَوْصِل continue until VICTORY or martyrdom."
    snippet = make_snippet(text, [("الموصل", False), ("victory or martyrdom", False), ("caliph", True)])
    assert marked(snippet) == "The soldiers of the [Caliphate] in [المَوْصِل] continue until [VICTORY or martyrdom]."


def test_a_long_text_is_windowed_around_the_first_hit_without_cutting_words():
    text = "word " * 200 + "Mosul fell " + "word " * 200
    snippet = make_snippet(text, [("mosul", False)], width=100)
    assert snippet[0].text == "…" and snippet[-1].text == "…"
    assert [f.text for f in snippet if f.highlighted] == ["Mosul"]
    assert snippet[1].text.startswith("word")


def test_whole_words_only_unless_prefix():
    assert [f.text for f in make_snippet("Mosuli Mosul", [("mosul", False)]) if f.highlighted] == ["Mosul"]


def test_no_terms_gives_the_beginning_of_the_text():
    assert marked(make_snippet("short text", [])) == "short text"
