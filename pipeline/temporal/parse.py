"""Time expressions -> clock readings, dates, ranges, relative offsets and durations.

Parsing here is context free (it never looks at the rest of the note), so every result is cached by the
expression text alone. Placing a clock reading on a calendar day (midnight roll-over, AM/PM choice from the
neighbouring times) is the resolver's job, with :mod:`infucode.pipeline.temporal.intervals`.

Fast regular-expression paths cover the common forms (military "1410", "0900h", "@1410", "14:10",
"2:10 PM", dates "11/20/2026", "2026-11-20", "Nov 20", ranges "1410-1450", "30 min later", "over 30 min");
everything else goes to ``dateparser`` with one frozen settings dict (``settings.v1.json``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from infucode.pipeline.temporal._resources import settings

MINUTES_PER_DAY = 1440

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "fortyfive": 45, "sixty": 60, "ninety": 90, "half an": 0.5, "half a": 0.5,
}  # fmt: skip

_MONTH_RE = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_NB = r"(?<![\d/:.])"  # not preceded by part of a number
_NA = r"(?![\d/:])"  # not followed by part of a number

_TOKEN = re.compile(
    "|".join(
        [
            rf"{_NB}(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?!\d)",
            rf"{_NB}(?P<eday>\d{{1,2}})\.(?P<emon>\d{{1,2}})\.(?P<eyr>\d{{4}})(?![\d.])",
            rf"{_NB}(?P<um>\d{{1,2}})/(?P<ud>\d{{1,2}})(?:/(?P<uy>\d{{4}}|\d{{2}}))?{_NA}",
            rf"\b(?P<mon1>{_MONTH_RE})\s*(?P<md1>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s*(?P<my1>\d{{4}}))?{_NA}",
            rf"{_NB}(?P<md2>\d{{1,2}})(?:st|nd|rd|th)?[\s-]*(?P<mon2>{_MONTH_RE})(?:[\s,-]*(?P<my2>\d{{4}}))?{_NA}",
            rf"{_NB}(?P<ah>\d{{1,2}})(?:[:.h](?P<amin>[0-5]\d))?\s*(?P<ap>a\.?m\.?|p\.?m\.?|a|p)(?![a-z])",
            rf"{_NB}(?P<ch>\d{{1,2}})(?P<csep>:|\s?h\s?)(?P<cmin>[0-5]\d)(?::[0-5]\d)?(?!\d)(?!\s?m(?:in|ins|inutes?|n)?\b)",
            rf"{_NB}(?P<dh>\d{{1,2}})\.(?P<dmin>[0-5]\d)(?P<dsuf>\s?h(?:rs?)?(?![a-z]))?(?![\d/:.])",
            rf"{_NB}(?P<mh>[0-2]\d)(?P<mmin>[0-5]\d)(?![\d/:.])",
            rf"{_NB}(?P<th>[1-9])(?P<tmin>[0-5]\d)(?![\d/:.])",
            r"\b(?P<word>noon|midday|midnight)\b",
            rf"{_NB}(?P<bare>\d{{1,2}})(?![\d/:.])",
        ]
    ),
    re.IGNORECASE,
)

_UNIT_MIN = r"(?:m|mins?|minutes?)"
_UNIT_HR = r"(?:h|hrs?|hours?)"
_NUM = (
    r"(?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty"
    r"|forty-?five|forty|sixty|ninety|half an?)"
)
_AMOUNT = rf"(?P<n>{_NUM})\s*(?P<u>{_UNIT_MIN}|{_UNIT_HR})\b"
_RELATIVE = (
    re.compile(rf"\b{_AMOUNT}\s*(?:later|after(?:wards?)?|post|thereafter)\b", re.IGNORECASE),
    re.compile(rf"\bafter\s+{_AMOUNT}", re.IGNORECASE),
    re.compile(rf"^\s*\+\s*{_AMOUNT}", re.IGNORECASE),
)
_DURATION = re.compile(
    rf"(?:(?P<h>\d+(?:\.\d+)?)\s*{_UNIT_HR}\b\s*(?:and\s*)?(?:(?P<hm>\d+)\s*{_UNIT_MIN}\b)?)"
    rf"|(?:(?P<m>\d+(?:\.\d+)?)\s*{_UNIT_MIN}\b)"
    rf"|(?:\b(?P<w>{_NUM})\s*(?P<wu>{_UNIT_MIN}|{_UNIT_HR})\b)",
    re.IGNORECASE,
)
_DURATION_BEFORE = re.compile(r"(?:\bover|\bfor|\bx|\bq|\bevery)\s*$", re.IGNORECASE)
_CONNECTOR = re.compile(r"^\s*(?:-+|–|—|to|until|till|til|thru|through|->|>|and)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Clock:
    """A clock reading before it is placed on a calendar day.

    Attributes
    ----------
    candidates
        Minutes after midnight. One value when unambiguous; two (AM reading, PM reading) for a 12-hour
        time written without AM/PM ("2:10", "915").
    ymd
        ``(year or None, month, day)`` when the expression itself carries a date.
    explicit_ampm
        True when AM/PM was written (or inferred from the other end of a range).
    """

    candidates: tuple[int, ...]
    ymd: tuple[int | None, int, int] | None = None
    explicit_ampm: bool = False

    @property
    def ambiguous(self) -> bool:
        """True when AM/PM is unknown (more than one candidate)."""
        return len(self.candidates) > 1


@dataclass(frozen=True, slots=True)
class ParsedTime:
    """What one time expression says.

    ``kind`` is ``clock`` (``start``), ``range`` (``start`` and ``end``), ``relative`` (``minutes`` after the
    previous time in the note), ``duration`` (``minutes`` of run time, "over 30 min"), ``date`` (``ymd`` only)
    or ``ambiguous`` (a bare number such as "10" that cannot be read as a time without more context).
    """

    kind: str
    start: Clock | None = None
    end: Clock | None = None
    minutes: float | None = None
    ymd: tuple[int | None, int, int] | None = None


def _number(text: str) -> float | None:
    t = text.lower().strip()
    if t in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[t])
    try:
        return float(t)
    except ValueError:
        return None


def _amount_minutes(n: str, unit: str) -> float | None:
    value = _number(n)
    if value is None:
        return None
    return value * 60.0 if unit.lower().startswith("h") else value


def _valid_ymd(y: int | None, m: int, d: int) -> tuple[int | None, int, int] | None:
    lo, hi = settings()["year_range"]
    if y is not None and not lo <= y <= hi:
        return None
    try:
        date(y if y is not None else 2000, m, d)  # 2000 is a leap year: accepts Feb 29 without a year
    except ValueError:
        return None
    return (y, m, d)


def _year(text: str | None) -> int | None:
    if not text:
        return None
    y = int(text)
    return y + 2000 if y < 100 else y


def _twelve_hour(hour: int, minute: int) -> tuple[int, ...]:
    """Candidates for a 12-hour reading without AM/PM (hour 1-12)."""
    am = (hour % 12) * 60 + minute
    return (am, am + 720)


def _token_value(m: re.Match[str]) -> tuple[str, Any]:
    """Classify one token match: ("date", ymd) | ("clock", Clock) | ("bare", int) | ("bad", None)."""
    g = m.groupdict()
    if g["iy"]:
        return "date", _valid_ymd(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["eday"]:  # dotted dates are written day first ("23.11.2026")
        return "date", _valid_ymd(int(g["eyr"]), int(g["emon"]), int(g["eday"]))
    if g["um"]:
        return "date", _valid_ymd(_year(g["uy"]), int(g["um"]), int(g["ud"]))
    if g["mon1"] or g["mon2"]:
        mon = (g["mon1"] or g["mon2"])[:3].lower()
        day = int(g["md1"] or g["md2"])
        return "date", _valid_ymd(_year(g["my1"] or g["my2"]), _MONTHS[mon], day)
    if g["ah"]:
        hour, minute = int(g["ah"]), int(g["amin"] or 0)
        pm = g["ap"].lower().startswith("p")
        if 1 <= hour <= 12:
            return "clock", Clock(((hour % 12) * 60 + minute + (720 if pm else 0),), explicit_ampm=True)
        if hour <= 23:
            return "clock", Clock((hour * 60 + minute,), explicit_ampm=True)
        return "bad", None
    if g["ch"]:
        raw, hour, minute = g["ch"], int(g["ch"]), int(g["cmin"])
        european = g["csep"] != ":"  # "8h40", "14 h 10": a 24-hour clock
        if hour > 24 or (hour == 24 and minute) or (
                european and _DURATION_BEFORE.search(m.string, max(0, m.start() - 8), m.start())):
            return "bad", None
        if 1 <= hour <= 12 and not raw.startswith("0") and not european:
            return "clock", Clock(_twelve_hour(hour, minute))
        return "clock", Clock(((hour % 24) * 60 + minute,), explicit_ampm=european)
    if g["dh"]:
        # European dotted clock ("08.40 h", "14.10"): a 24-hour reading when written with "h", a leading
        # zero or an hour past 12; "at 8.40" alone may be morning or evening
        raw, hour, minute = g["dh"], int(g["dh"]), int(g["dmin"])
        if hour > 23 or _DURATION_BEFORE.search(m.string, max(0, m.start() - 8), m.start()):
            return "bad", None  # "over 1.25 h" is a run time
            return "bad", None
        if 1 <= hour <= 12 and not raw.startswith("0") and not g["dsuf"]:
            return "clock", Clock(_twelve_hour(hour, minute))
        return "clock", Clock((hour * 60 + minute,), explicit_ampm=bool(g["dsuf"]))
    if g["mh"]:
        hour, minute = int(g["mh"]), int(g["mmin"])
        if hour > 24 or (hour == 24 and minute):
            return "bad", None
        return "clock", Clock(((hour % 24) * 60 + minute,))
    if g["th"]:
        return "clock", Clock(_twelve_hour(int(g["th"]), int(g["tmin"])))
    if g["word"]:
        return "clock", Clock((0 if g["word"].lower() == "midnight" else 720,), explicit_ampm=True)
    if g["bare"]:
        return "bare", int(g["bare"])
    return "bad", None  # pragma: no cover - every alternative has a group


@dataclass(frozen=True, slots=True)
class _Spoken:
    """Compiled spoken-clock grammar (from ``settings.v1.json`` ``spoken_clock``)."""

    values: dict[str, int]
    fractions: dict[str, int]
    before: frozenset[str]
    am: frozenset[str]
    pm: frozenset[str]
    military: re.Pattern[str]
    ampm: re.Pattern[str]
    fraction: re.Pattern[str]


def _alt(words: list[str]) -> str:
    """Regex alternation of ``words`` (longest first, inner spaces/dots flexible)."""
    parts = [re.escape(w).replace(r"\ ", r"\s+").replace(r"\.", r"\.?")
             for w in sorted(set(words), key=len, reverse=True)]
    return "(?:" + "|".join(parts) + ")"


@lru_cache(maxsize=1)
def _spoken() -> _Spoken:
    cfg = settings()["spoken_clock"]
    units: dict[str, int] = cfg["units"]
    tens: dict[str, int] = cfg["tens"]
    values = dict(units)
    for tw, tv in tens.items():
        values[tw] = tv
        for uw, uv in units.items():
            if 1 <= uv <= 9:
                values[f"{tw} {uw}"] = tv + uv
    digit = _alt([w for w, v in units.items() if 1 <= v <= 9])
    zero = _alt([w for w, v in units.items() if v == 0])
    num = rf"(?:{_alt(list(tens))}(?:[\s-]+{digit})?|{_alt([w for w, v in units.items() if v > 0])})"
    minute = rf"(?:{zero}[\s-]+{digit}|{num})"
    ap = _alt(cfg["am_words"] + cfg["pm_words"] + cfg["oclock_words"])
    mil = re.compile(
        rf"\b(?:(?P<z>{zero})[\s-]+)?(?P<h>{num})[\s-]+(?:(?P<hun>{_alt(cfg['hundred_words'])})|(?P<m>{minute}))"
        r"(?![\w-])(?!\s*(?:mg|ml|cc|mcg|milli\w*|micro\w*|grams?|units?|meq|mmol|kg|%|percent|over|times|x\b))",
        re.I)
    ampm = re.compile(rf"\b(?P<h>{num})(?:[\s-]+(?P<m>{minute}))?\s*(?P<ap>{ap})(?![\w])", re.I)
    frac = re.compile(
        rf"\b(?P<f>{_alt(list(cfg['fractions']))}|{num})\s+(?:minutes?\s+)?"
        rf"(?P<rel>{_alt(cfg['before_words'] + cfg['after_words'])})\s+(?P<h>{num})"
        rf"(?:\s*(?P<ap>{ap}))?(?![\w-])",
        re.I)
    return _Spoken(values, dict(cfg["fractions"]), frozenset(cfg["before_words"]),
                   frozenset(w.replace(".", "") for w in cfg["am_words"]),
                   frozenset(w.replace(".", "") for w in cfg["pm_words"]), mil, ampm, frac)


def _word_value(words: str | None, sp: _Spoken) -> int | None:
    if words is None:
        return None
    key = " ".join(re.split(r"[\s-]+", words.lower().strip()))
    if key in sp.values:
        return sp.values[key]
    parts = key.split(" ")
    if len(parts) == 2 and sp.values.get(parts[0]) == 0 and parts[1] in sp.values:
        return sp.values[parts[1]]  # "oh five"
    return None


def spoken_to_digits(text: str) -> str:
    """Rewrite spoken clock times as digits ("fourteen fifteen" -> "1415", "two p.m." -> "2:00 pm").

    Military readings ("sixteen hundred", "oh nine hundred", "fourteen fifteen") become four digits;
    12-hour readings without AM/PM ("nine thirty", "half past three") stay ambiguous ("9:30", "3:30").
    Text without a spoken time is returned unchanged.
    """
    sp = _spoken()

    def suffix(ap: str | None) -> str:
        tag = " ".join((ap or "").lower().replace(".", " ").split())
        return " am" if tag in sp.am else " pm" if tag in sp.pm else ""

    def ampm(m: re.Match[str]) -> str:
        h, mi = _word_value(m.group("h"), sp), _word_value(m.group("m"), sp) or 0
        if h is None or not 1 <= h <= 12 or mi > 59:
            return m.group(0)
        return f"{h}:{mi:02d}{suffix(m.group('ap'))}"

    def frac(m: re.Match[str]) -> str:
        f = m.group("f").lower()
        mi = sp.fractions.get(f, _word_value(f, sp))
        h = _word_value(m.group("h"), sp)
        if mi is None or h is None or not 1 <= h <= 12 or not 0 < mi < 60:
            return m.group(0)
        if m.group("rel").lower() in sp.before:
            h, mi = (h - 2) % 12 + 1, 60 - mi
        return f"{h}:{mi:02d}{suffix(m.group('ap'))}"

    def mil(m: re.Match[str]) -> str:
        h = _word_value(m.group("h"), sp)
        mi = 0 if m.group("hun") else _word_value(m.group("m"), sp)
        if h is None or mi is None or h > 23 or mi > 59 or (m.group("hun") and not m.group("z") and h < 10):
            return m.group(0)  # "five hundred" is an amount; spoken military hours say "oh five hundred"
        if m.group("z") or m.group("hun") or h >= 13:
            return f"{h:02d}{mi:02d}"
        return f"{h}:{mi:02d}" if 1 <= h <= 12 else m.group(0)

    out = sp.fraction.sub(frac, text)
    out = sp.ampm.sub(ampm, out)
    return sp.military.sub(mil, out)


def _infer_range_ampm(a: Clock, b: Clock) -> tuple[Clock, Clock]:
    """Carry AM/PM across a range: "2:10-3:05 PM" -> both PM; "11:30-1:15 PM" -> 11:30 AM."""
    if a.ambiguous and not b.ambiguous and b.explicit_ampm:
        e = b.candidates[0]
        # the start is the latest candidate not after the end (within 12 h)
        best = min(a.candidates, key=lambda c: (e - c) % MINUTES_PER_DAY)
        a = Clock((best,), a.ymd, True)
    elif b.ambiguous and not a.ambiguous and a.explicit_ampm:
        s = a.candidates[0]
        best = min(b.candidates, key=lambda c: (c - s) % MINUTES_PER_DAY)
        b = Clock((best,), b.ymd, True)
    return a, b


@lru_cache(maxsize=8192)
def parse_expression(text: str) -> ParsedTime | None:
    """Parse one time expression (context free, cached).

    Parameters
    ----------
    text
        The raw expression as linked by extraction, e.g. "@1410", "started 2:10 pm", "1410-1450",
        "11/21 0015", "30 min later", "over 45 minutes".

    Returns
    -------
    ParsedTime or None
        None when nothing time-like is found.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    if re.search(r"[a-z]{3}", text, re.IGNORECASE):
        text = spoken_to_digits(text)
    clocks: list[Clock] = []
    gaps: list[str] = []
    pending_date: tuple[int | None, int, int] | None = None
    last_date: tuple[int | None, int, int] | None = None
    bare: list[int] = []
    last_end = 0
    for m in _TOKEN.finditer(text):
        kind, value = _token_value(m)
        if kind == "date" and value is not None:
            pending_date = value
            last_date = value
        elif kind == "clock":
            gaps.append(text[last_end : m.start()])
            clock: Clock = value
            if pending_date is not None:
                clock = Clock(clock.candidates, pending_date, clock.explicit_ampm)
                pending_date = None
            clocks.append(clock)
        elif kind == "bare":
            bare.append(value)
            continue
        else:
            continue
        last_end = m.end()
    if len(clocks) == 1 and pending_date is not None and clocks[0].ymd is None:
        clocks[0] = Clock(clocks[0].candidates, pending_date, clocks[0].explicit_ampm)  # "2:20 pm on Nov 20"
    if clocks:
        if len(clocks) >= 2 and _CONNECTOR.match(gaps[1] if len(gaps) > 1 else "-"):
            a, b = _infer_range_ampm(clocks[0], clocks[1])
            return ParsedTime("range", start=a, end=b)
        if len(clocks) >= 2 and not gaps[1].strip(" ,;"):
            a, b = _infer_range_ampm(clocks[0], clocks[1])
            return ParsedTime("range", start=a, end=b)
        return ParsedTime("clock", start=clocks[0])
    for pattern in _RELATIVE:
        rel = pattern.search(text)
        if rel:
            minutes = _amount_minutes(rel.group("n"), rel.group("u"))
            if minutes is not None:
                return ParsedTime("relative", minutes=minutes)
    dur = parse_duration(text)
    if dur is not None:
        return ParsedTime("duration", minutes=dur)
    if last_date is not None:
        return ParsedTime("date", ymd=last_date)
    if re.search(r"[a-z]{3}", text, re.IGNORECASE):
        fallback = _dateparser_parse(text)
        if fallback is not None:
            return fallback
    if bare and all(0 <= b <= 24 for b in bare):
        return ParsedTime("ambiguous")
    return None


def parse_duration(text: str) -> float | None:
    """Minutes in a duration expression ("over 30 min", "x 2 hrs", "1 hr 15 min", "1.5 hours").

    Returns None when the text holds no duration.
    """
    m = _DURATION.search(text)
    if not m:
        return None
    if m.group("h"):
        return float(m.group("h")) * 60.0 + float(m.group("hm") or 0)
    if m.group("m"):
        return float(m.group("m"))
    return _amount_minutes(m.group("w"), m.group("wu"))


_SENTINEL: datetime | None = None


def _sentinel() -> datetime:
    global _SENTINEL
    if _SENTINEL is None:
        _SENTINEL = datetime.fromisoformat(settings()["dateparser_sentinel_base"])
    return _SENTINEL


@lru_cache(maxsize=1)
def _frozen_dateparser_settings() -> dict[str, Any]:
    s = dict(settings()["dateparser_settings"])
    s["RELATIVE_BASE"] = _sentinel()
    return s


@lru_cache(maxsize=4096)
def _dateparser_parse(text: str) -> ParsedTime | None:
    """General case: ``dateparser`` with the one frozen settings dict, against a sentinel base.

    The sentinel base (a date and a seconds value no note uses) tells which parts the text really held:
    a result on the sentinel day carries no date; a result with the sentinel seconds carries no time.
    """
    import dateparser  # imported lazily: it costs ~0.3 s and is needed only for unusual forms

    try:
        dt = dateparser.parse(text, languages=settings()["dateparser_languages"],
                              settings=_frozen_dateparser_settings())
    except Exception:  # dateparser raises on some odd inputs; an unparsable time is just None
        return None
    if dt is None:
        return None
    base = _sentinel()
    has_date = dt.date() != base.date()
    has_time = dt.second != base.second
    ymd = _valid_ymd(None if dt.year == base.year else dt.year, dt.month, dt.day) if has_date else None
    if not has_time:
        return ParsedTime("date", ymd=ymd) if ymd else None
    return ParsedTime("clock", start=Clock((dt.hour * 60 + dt.minute,), ymd, True))


def find_dates(text: str) -> list[tuple[int, int, tuple[int | None, int, int]]]:
    """Every date in a note that can stand alone: ``(start, end, ymd)``.

    Numeric month/day without a year ("11/21") counts only when a clock time follows it directly
    ("11/21 0015"); otherwise "1/2NS" would read as January 2.
    """
    out: list[tuple[int, int, tuple[int | None, int, int]]] = []
    for m in _TOKEN.finditer(text):
        g = m.groupdict()
        if not (g["iy"] or g["eday"] or g["um"] or g["mon1"] or g["mon2"]):
            continue
        kind, ymd = _token_value(m)
        if kind != "date" or ymd is None:
            continue
        if g["um"] and not g["uy"]:
            follow = text[m.end() : m.end() + 12]
            if not re.match(r"\s+(?:@\s*)?(?:[0-2]\d[0-5]\d|\d{1,2}:[0-5]\d)(?!\d)", follow):
                continue
        if (g["mon1"] or g["mon2"]) and not (g["my1"] or g["my2"]):
            # "May 5" is fine, but month words are also ordinary words ("mar", "may"): require a capital
            # or a following year/time
            word = g["mon1"] or g["mon2"]
            follow = text[m.end() : m.end() + 12]
            if not (word[0].isupper() and (len(word) > 3 or re.match(r"[\s,]+\d", follow) or g["mon2"])):
                continue
        out.append((m.start(), m.end(), ymd))
    return out


_LINE_TIME = re.compile(
    r"^[ \t>*\-\[(]*(?:(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4}-\d{2}-\d{2})[ \t,T]+)?@?"
    r"(?P<t>[0-2]\d[0-5]\d|[0-2]?\d:[0-5]\d(?:\s*[ap]\.?m\.?)?|(?:[01]?\d|2[0-3])\.[0-5]\d\s?h(?![a-z])"
    r"|(?:[01]\d|2[0-3])\.[0-5]\d(?=[ \t]+[a-z])"
    r"|(?:[01]?\d|2[0-3]) ?h ?[0-5]\d(?!\d)(?!\s?m(?:in|ins|inutes?|n)?\b))(?:\s*(?:h|hrs?)\b)?"
    r"(?![\d/.])(?!\s*(?:ml|mg|mcg|g|units?|meq|mmol|l|cc|kg|%)\b)",
    re.IGNORECASE | re.MULTILINE,
)


def find_line_times(text: str) -> list[tuple[int, int, Clock]]:
    """Find entry timestamps at the start of lines ("2350 pt arrived", "[23:50]", "11/21 0015 ...").

    They are context for placing the event times of a note on the calendar.
    """
    out: list[tuple[int, int, Clock]] = []
    for m in _LINE_TIME.finditer(text):
        parsed = parse_expression(m.group("t"))
        if parsed is not None and parsed.kind == "clock" and parsed.start is not None:
            out.append((m.start("t"), m.end("t"), parsed.start))
    return out
