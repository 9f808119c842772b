"""Temporal resolver: raw time mentions -> start/end/duration, pauses, access ids, encounters, relations.

Pure Python + dateparser (no spaCy). Entry point: :func:`resolve_timeline`.
"""

from infucode.pipeline.temporal.resolver import resolve_timeline

__all__ = ["resolve_timeline"]
