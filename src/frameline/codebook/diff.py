"""What changed between two versions of a codebook, frame by frame, in words an analyst reviews."""

from __future__ import annotations

from dataclasses import dataclass, field

from frameline.codebook.model import Codebook, Frame


@dataclass
class FrameChange:
    frame: str
    kind: str  # added | removed | changed
    details: list[str] = field(default_factory=list)


def _cue_keys(frame: Frame, negative: bool = False) -> dict[str, float]:
    return {f"{cue.language}:{cue.text}": cue.weight for cue in (frame.negative if negative else frame.cues)}


def diff_codebooks(old: Codebook, new: Codebook) -> list[FrameChange]:
    old_frames = {frame.id: frame for frame in old.frames}
    new_frames = {frame.id: frame for frame in new.frames}
    changes = [FrameChange(frame_id, "removed") for frame_id in old_frames if frame_id not in new_frames]
    for frame_id, frame in new_frames.items():
        before = old_frames.get(frame_id)
        if before is None:
            changes.append(FrameChange(frame_id, "added", [f"{len(frame.cues)} cues, {len(frame.patterns)} patterns"]))
            continue
        details = []
        for attribute in ("name", "parent", "definition", "threshold", "appeal"):
            if getattr(before, attribute) != getattr(frame, attribute):
                details.append(f"{attribute}: {getattr(before, attribute)!r} -> {getattr(frame, attribute)!r}")
        for attribute in ("include", "exclude", "sources", "examples"):
            if getattr(before, attribute) != getattr(frame, attribute):
                details.append(f"{attribute} changed")
        for negative, title in ((False, "cue"), (True, "negative cue")):
            was, now = _cue_keys(before, negative), _cue_keys(frame, negative)
            details += [f"+ {title} {key}" + (f" (weight {now[key]})" if now[key] != 1 else "")
                        for key in sorted(set(now) - set(was))]
            details += [f"- {title} {key}" for key in sorted(set(was) - set(now))]
            details += [f"~ {title} {key}: weight {was[key]} -> {now[key]}"
                        for key in sorted(set(was) & set(now)) if was[key] != now[key]]
        was_patterns = {pattern.id: pattern for pattern in before.patterns}
        now_patterns = {pattern.id: pattern for pattern in frame.patterns}
        details += [f"+ pattern {key}: {now_patterns[key].regex}" for key in sorted(set(now_patterns) - set(was_patterns))]
        details += [f"- pattern {key}" for key in sorted(set(was_patterns) - set(now_patterns))]
        details += [f"~ pattern {key}: {was_patterns[key].regex} -> {now_patterns[key].regex}"
                    for key in sorted(set(was_patterns) & set(now_patterns)) if was_patterns[key] != now_patterns[key]]
        if details:
            changes.append(FrameChange(frame_id, "changed", details))
    voice = _voice_details(old, new)
    if voice:
        changes.append(FrameChange("(voice)", "changed", voice))  # the gate changes every frame's hits
    return changes


def _voice_details(old: Codebook, new: Codebook) -> list[str]:
    details = []
    for kind in ("reporting", "speech"):
        was = {marker.id: marker.regex for marker in getattr(old.voice, kind, ())}
        now = {marker.id: marker.regex for marker in getattr(new.voice, kind, ())}
        details += [f"+ {kind} marker {key}: {now[key]}" for key in sorted(set(now) - set(was))]
        details += [f"- {kind} marker {key}" for key in sorted(set(was) - set(now))]
        details += [f"~ {kind} marker {key}: {was[key]} -> {now[key]}" for key in sorted(set(was) & set(now))
                    if was[key] != now[key]]
    return details
