"""Vascular access ids ("A1", "A2", ...) from site/device text, line cues and loss-of-access wording.

Rules (digest 2, 29, 30): each distinct vascular access site gets its own id; "same line", "y-site",
"piggyback" put a drug on the access of the infusion already running; an infiltrated/lost line restarted
elsewhere stays the SAME access for coding; a new site with no loss before it is a new access.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from infucode.annotations.schema import AdminEvent
from infucode.pipeline.temporal._resources import patterns, site_terms

#: Routes that use a vascular access.
IV_ROUTES = frozenset({"IV", "IV_PUSH", "IV_INFUSION"})
_CENTRAL = frozenset({"PORT", "PICC", "CVC", "IO", "MIDLINE"})
_ARM_PARTS = frozenset({"AC", "FA", "HAND", "WRIST", "UA", "ARM"})
_JOIN_CUES = frozenset({"y_site", "piggyback", "same_line"})
_NEW_CUES = frozenset({"separate_line", "new_line"})


@dataclass(frozen=True, slots=True)
class SiteKey:
    """A normalised access site: laterality, body location, central device kind (any may be None)."""

    side: str | None = None
    location: str | None = None
    device: str | None = None

    def compatible(self, other: SiteKey) -> bool:
        """Tell whether the two descriptions can be the same access ("L AC 20g" ~ "left antecubital")."""
        if self.device or other.device:
            return self.device == other.device
        if self.side and other.side and self.side != other.side:
            return False
        if self.location and other.location and self.location != other.location:
            return {self.location, other.location} <= _ARM_PARTS and "ARM" in {self.location, other.location}
        return True


def site_key(site: str | None, device: str | None) -> SiteKey | None:
    """Normalise site and device text into a :class:`SiteKey`; None when nothing locates the access.

    A gauge or a bare "PIV" says nothing about where the line is, so it gives no key.
    """
    text = " ".join(t for t in (site, device) if t).strip()
    if not text:
        return None
    found: dict[str, str] = {}
    for term in site_terms():
        if term.kind in found:
            continue
        if term.pattern.search(text):
            found[term.kind] = term.canonical
    if "device" in found and found["device"] in _CENTRAL:
        return SiteKey(device=found["device"])
    if "location" not in found:
        return None
    return SiteKey(side=found.get("side"), location=found.get("location"))


def loss_positions(text: str) -> list[int]:
    """Character offsets of loss-of-access wording (infiltrated, IV lost/dislodged/pulled out...)."""
    return [m.start() for m in patterns()["loss_of_access"].finditer(text)]


@dataclass(slots=True)
class _Access:
    access_id: str
    keys: list[SiteKey] = field(default_factory=list)
    last_pos: int = 0

    def matches(self, key: SiteKey) -> bool:
        return any(k.compatible(key) for k in self.keys)


def is_vascular(e: AdminEvent) -> bool:
    """Tell whether the event is given through a vascular access (IV routes)."""
    return e.route in IV_ROUTES


def assign_access(events: Sequence[AdminEvent], text: str, losses: Sequence[int],
                  running_access: Callable[[AdminEvent], str | None]) -> None:
    """Set ``access_id`` on every IV event, in text order, in place.

    Parameters
    ----------
    events
        The note's events, sorted by text position (``mention_start``); non-IV events are skipped.
    text
        The note text (only line boundaries are read).
    losses
        Offsets of loss-of-access wording (plus infiltration time mentions) in the note.
    running_access
        Given an event, the access id of an already-assigned infusion running at its start, or None.
    """
    accesses: list[_Access] = []
    visit: list[_Access] = []
    current: _Access | None = None
    encounter: str | None = None
    loss_sorted = sorted(losses)

    for e in events:
        if not is_vascular(e):
            continue
        pos = e.mention_start
        if e.encounter_id != encounter:
            encounter = e.encounter_id
            current = None  # a new visit starts with a new line
            visit = []
        key = site_key(e.site, e.device)
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        lost = current is not None and any(current.last_pos < p <= line_end for p in loss_sorted)
        chosen: _Access | None = None
        if e.line_cue in _JOIN_CUES:
            rid = running_access(e)
            chosen = next((a for a in visit if a.access_id == rid), None) or current
        if chosen is None and key is not None:
            chosen = next((a for a in reversed(visit) if a.keys and a.matches(key)), None)
            if chosen is None and current is not None:
                if lost:
                    chosen = current  # restart after infiltration: same access (digest 30)
                elif not current.keys and e.line_cue not in _NEW_CUES:
                    chosen = current  # the running line's site is named for the first time
        if chosen is None and key is None and current is not None:
            if e.line_cue not in _NEW_CUES or lost:
                chosen = current
        if chosen is None:
            chosen = _Access(f"A{len(accesses) + 1}")
            accesses.append(chosen)
            visit.append(chosen)
        if key is not None and not chosen.matches(key) or (key is not None and not chosen.keys):
            chosen.keys.append(key)
        chosen.last_pos = max(chosen.last_pos, pos)
        e.access_id = chosen.access_id
        current = chosen
