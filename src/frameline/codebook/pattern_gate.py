"""The words a codebook pattern cannot match without, so the matcher skips a pattern whose words a text lacks.

Most of a codebook's patterns are sentence shapes around a closed set of words
("(killed|dead) by ... (is|isis)", "(fight|kill)\\w* ... (disbelievers|kuffar)"),
and most documents contain none of a given pattern's words; running the regular
expression anyway costs a scan of the whole text per pattern.  The parse tree
of the expression says which words are mandatory: a literal run at the top
level, or a group every alternative of which starts with a literal.  If none
of those words occurs in a sentence (one Aho-Corasick pass over the text finds
them all), the pattern cannot match there, and the matcher runs it only over
the sentences that hold a word of each of its sets.  Patterns with nothing
mandatory of three letters or more, flags or the `regex` engine run over every
sentence.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+: the parser lives in re._parser (sre_parse is its deprecated alias)
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

_LITERAL, _SUBPATTERN, _BRANCH = sre_parse.LITERAL, sre_parse.SUBPATTERN, sre_parse.BRANCH
_REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT)
MIN_WORD = 3


def required_words(compiled: Any) -> tuple[frozenset[str], ...] | None:
    """Sets of words, every set holding a word each match contains; None when the pattern must always run."""
    if not isinstance(compiled, re.Pattern) or compiled.flags & ~(re.UNICODE | re.ASCII):
        return None
    try:
        items = list(sre_parse.parse(compiled.pattern))
    except (re.error, RecursionError):  # pragma: no cover - it compiled, so it parses
        return None
    gates = _gates(items)
    return gates or None


def _useful(words: frozenset[str]) -> bool:
    return min(len(word.strip()) for word in words) >= MIN_WORD


def _gates(items: list[Any]) -> tuple[frozenset[str], ...]:
    """The mandatory word sets of a sequence; a lone top-level alternation gives the union of its branches' best."""
    if len(items) == 1 and items[0][0] is _BRANCH:
        union: set[str] = set()
        for branch in items[0][1][1]:
            gates = _gates(list(branch))
            if not gates:
                return ()
            union |= min(gates, key=len)  # one set per branch will do: the one with the fewest words
        return (frozenset(union),)
    return tuple(words for words in _candidates(items) if _useful(words))


def _candidates(items: list[Any]) -> list[frozenset[str]]:
    """Each mandatory element of a top-level sequence, as the set of literals one of which it must contain."""
    found, run = [], ""
    for op, value in items:
        if op is _LITERAL:
            run += chr(value)
            continue
        prefixes = None
        if op is _SUBPATTERN and not value[1]:  # (group, add_flags, del_flags, items): no inline flags
            prefixes = _prefixes(list(value[3]))
        elif op is _BRANCH:
            prefixes = _prefixes([(op, value)])
        elif op in _REPEATS and value[0] >= 1:
            prefixes = _prefixes(list(value[2]))
        if run:
            found.append(frozenset([run]))
        if prefixes:
            # the literal just before the group joins each of its prefixes ("is" + "is"/"lamic state")
            found.append(frozenset(run + prefix for prefix in prefixes))
        run = ""
    if run:
        found.append(frozenset([run]))
    return found


def _prefixes(items: list[Any]) -> list[str] | None:
    """The literal each way through `items` starts with, or None if some way starts otherwise."""
    if not items:
        return None
    op, value = items[0]
    if op is _LITERAL:
        run, position = "", 0
        while position < len(items) and items[position][0] is _LITERAL:
            run += chr(items[position][1])
            position += 1
        following = _prefixes(items[position:position + 1]) if position < len(items) else None
        return [run + prefix for prefix in following] if following else [run]
    if op is _SUBPATTERN and not value[1]:
        return _prefixes(list(value[3]))
    if op is _BRANCH:
        words: list[str] = []
        for branch in value[1]:
            prefixes = _prefixes(list(branch))
            if not prefixes:
                return None
            words += prefixes
        return words
    return None
