"""Fixtures for the temporal resolver tests: build extraction-like events on a note text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from infucode.annotations.schema import AdminEvent, TimeMention


def _build(text: str, event_id: str, drug: str, anchor: str, times: list[tuple[str, str]] | None = None,
           **fields: Any) -> AdminEvent:
    """One event whose drug mention is the first ``anchor`` in ``text`` (searching after ``after=``)."""
    after = fields.pop("after", 0)
    pos = text.index(anchor, after)
    mentions = []
    cursor = pos
    for raw, role in times or []:
        at = text.find(raw, cursor)
        if at < 0:
            at = text.index(raw)
        mentions.append(TimeMention(at, at + len(raw), role, raw))
        cursor = at
    return AdminEvent(event_id=event_id, drug=drug, drug_text=anchor, mention_start=pos,
                      time_mentions=mentions, **fields)


@pytest.fixture(scope="session")
def ev() -> Callable[..., AdminEvent]:
    """Factory: ``ev(text, "e1", "ondansetron", "Zofran", [("1410", "at")], route="IV_PUSH")``."""
    return _build
