"""Narrative codebooks: the YAML format, validation, versions in a workspace, and cue matching."""

from frameline.codebook.model import Codebook, Cue, Frame, FrameInfo, Pattern, Theme, parse_codebook
from frameline.codebook.schema import CodebookError
from frameline.codebook.store import (
    active_codebooks,
    frame_list,
    load_codebook_file,
    packaged_codebook,
    packaged_codebooks,
)

__all__ = [
    "Codebook", "CodebookError", "Cue", "Frame", "FrameInfo", "Pattern", "Theme", "active_codebooks", "frame_list",
    "load_codebook_file", "packaged_codebook", "packaged_codebooks", "parse_codebook",
]
