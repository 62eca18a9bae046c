"""The analyst's web UI and JSON API (`frameline serve`)."""

from __future__ import annotations

from frameline.web.app import create_app

__all__ = ["create_app"]
