"""The codebook file format as a JSON Schema, and validation that points at the YAML line.

Analysts edit codebooks by hand, so an error must say where: the schema is
checked with `jsonschema` against the parsed YAML, and each error's path
(frames[3].cues.ar[2]) is mapped back to the line and column of the YAML node
it came from, by composing the document once more into PyYAML's node tree.
"""

from __future__ import annotations

from typing import Any

import yaml

_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_CUE = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["text"],
            "additionalProperties": False,
            "properties": {
                "text": {"type": "string", "minLength": 1},
                "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 5},
                "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_.-]*$"},
            },
        },
    ]
}
_PER_LANGUAGE = {
    "type": "object",
    "propertyNames": {"pattern": r"^[a-z]{2,3}$"},
    "additionalProperties": {"type": "array", "items": _CUE},
}
_PATTERN = {
    "type": "object",
    "required": ["id", "regex"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_.-]*$"},
        "regex": {"type": "string", "minLength": 1},
        "language": {"type": "string", "pattern": r"^([a-z]{2,3}|any)$"},
        "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 5},
        "note": {"type": "string"},
    },
}
_VOICE_MARKER = {
    "type": "object",
    "required": ["id", "regex"],
    "additionalProperties": False,
    "properties": {k: v for k, v in _PATTERN["properties"].items() if k != "weight"},
}
# Whose voice a sentence speaks in (docs/annotation-guide.md): `reporting` marks an outsider's report of
# the group (its outsiders' names, officials said), `speech` the group's own words reported in it.
_VOICE = {
    "type": "object",
    "required": ["reporting"],
    "additionalProperties": False,
    "properties": {
        "note": {"type": "string"},
        "reporting": {"type": "array", "minItems": 1, "items": _VOICE_MARKER},
        "speech": {"type": "array", "items": _VOICE_MARKER},
    },
}
_EXAMPLE = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["text"],
            "additionalProperties": False,
            "properties": {"text": {"type": "string", "minLength": 1}, "language": {"type": "string"},
                           "source": {"type": "string"}},
        },
    ]
}
_ID = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*$", "maxLength": 64}

CODEBOOK_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Frameline narrative codebook",
    "type": "object",
    "required": ["id", "name", "frames"],
    "additionalProperties": False,
    "properties": {
        "id": _ID,
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "version_note": {"type": "string"},
        "languages": {"type": "array", "items": {"type": "string", "pattern": r"^[a-z]{2,3}$"}},
        "threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
        "references": {"type": "object", "additionalProperties": {"type": "string"}},
        "voice": _VOICE,
        "themes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "additionalProperties": False,
                "properties": {"id": _ID, "name": {"type": "string"}, "definition": {"type": "string"},
                               "colour": {"type": "string", "pattern": r"^#[0-9a-fA-F]{6}$"}},
            },
        },
        "frames": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "name", "definition", "sources"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "name": {"type": "string", "minLength": 1},
                    "parent": _ID,
                    "colour": {"type": "string", "pattern": r"^#[0-9a-fA-F]{6}$"},
                    "definition": {"type": "string", "minLength": 10},
                    "sources": {**_STRINGS, "minItems": 1},
                    "include": _STRINGS,
                    "exclude": _STRINGS,
                    "cues": _PER_LANGUAGE,
                    "patterns": {"type": "array", "items": _PATTERN},
                    "negative": _PER_LANGUAGE,
                    "examples": {"type": "array", "items": _EXAMPLE},
                    "threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
                    "appeal": {"enum": ["pragmatic", "identity", "crisis", "solution"]},
                },
            },
        },
    },
}


class CodebookError(ValueError):
    """A codebook that cannot be used: which file, where in it (path and line) and what is wrong."""

    def __init__(self, source: str, reason: str, location: str = "", line: int | None = None) -> None:
        self.source, self.reason, self.location, self.line = source, reason, location, line
        where = source + (f":{line}" if line else "") + (f" ({location})" if location else "")
        super().__init__(f"{where}: {reason}")


def format_path(path: list[Any] | tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _node_line(root: yaml.Node | None, path: list[Any]) -> int | None:
    """The 1-based line of the YAML node at `path`, or of its nearest ancestor that exists."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = next((value for key, value in node.value if getattr(key, "value", None) == part), None)
            if found is None:
                key = next((key for key, _ in node.value if getattr(key, "value", None) == part), None)
                return key.start_mark.line + 1 if key is not None else line
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def load_and_validate(text: str, source: str) -> dict[str, Any]:
    """Parse YAML and check it against the schema; raises CodebookError with the path and line."""
    import jsonschema

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CodebookError(source, f"not valid YAML: {getattr(error, 'problem', error)}",
                            line=mark.line + 1 if mark else None) from error
    if not isinstance(data, dict):
        raise CodebookError(source, "a codebook is a mapping with id, name and frames", line=1)
    validator = jsonschema.Draft202012Validator(CODEBOOK_SCHEMA)
    problems = sorted(validator.iter_errors(data), key=lambda error: (len(error.absolute_path), list(map(str, error.absolute_path))))
    if problems:
        error = min(problems, key=lambda item: -len(item.absolute_path))  # the most specific is the most useful
        path = list(error.absolute_path)
        reason = error.message
        if error.validator == "additionalProperties":
            reason += f" (allowed: {', '.join(sorted(error.schema.get('properties', {})))})"
        elif error.validator == "oneOf":
            reason = f"{error.instance!r} must be a string or a mapping with 'text'"
        raise CodebookError(source, reason, format_path(path), _node_line(yaml.compose(text), path))
    return data


def line_of(text: str, path: list[Any]) -> int | None:
    """The line of a path in a codebook's YAML text (for semantic errors found after the schema)."""
    try:
        return _node_line(yaml.compose(text), path)
    except yaml.YAMLError:
        return None
