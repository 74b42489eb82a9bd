"""Names typed by hand (a unit in 督导检查.xlsx, a survey file, a reference in the master):
the nearest known name, to say "是否为 区农业农村局？" instead of only "找不到".

difflib's ratio (stdlib) is enough here: a campaign has at most a few hundred names and a
typed name is compared once. A typed name that contains, or is contained in, exactly one
known name ("农业农村局" in "区农业农村局") is taken first; otherwise the most similar
name, if clearly similar and not tied with another.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

# below this similarity a name is not suggested: "区农业局" / "区农业农村局" is 0.8,
# "区审计局" / "区统计局" 0.75, two unrelated 区…局 names about 0.5
MIN_RATIO = 0.6


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(folded.split())


def suggest(name: str, choices: Iterable[str]) -> str | None:
    """The known name ``name`` was most likely meant to be, or None when none is close
    or two are equally close."""
    typed = _key(name)
    if not typed:
        return None
    known = {_key(c): c for c in choices if _key(c)}
    if typed in known:
        return known[typed]
    containing = [c for k, c in known.items() if typed in k or k in typed]
    if len(containing) == 1:
        return containing[0]
    scored = sorted(
        ((SequenceMatcher(None, typed, k).ratio(), c) for k, c in known.items()),
        key=lambda pair: -pair[0],
    )
    if not scored or scored[0][0] < MIN_RATIO:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``是否为“区农业农村局”？`` for a message, or "" when nothing is close."""
    match = suggest(name, choices)
    return f"是否为“{match}”？" if match else ""
