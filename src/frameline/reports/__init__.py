"""Briefs and data exports."""
