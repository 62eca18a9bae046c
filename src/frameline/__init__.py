"""Frameline: collect propaganda and its counter-narratives, detect how they frame events, with evidence."""

__version__ = "0.1.0"
