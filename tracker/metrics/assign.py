"""Whose row is it: creators found in ad, ad set and campaign names.

A handle counts when it stands as a word of its own: letters, digits,
'.', '_' and '-' make up a word (the characters handles are made of), so
``@mia`` and ``Reel 1 - mia`` name mia while ``mia_ugc`` or ``amia`` do not.
A '.' ending a word is punctuation (no platform lets a handle end in one).
The most specific name decides: the ad's, else the ad set's / ad group's,
else the campaign's; one name that holds two enrolled handles is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..errors import BadInput
from ..vocabulary import normalize_handle

WORD_RE = re.compile(r"[a-z0-9._-]+")
TIKTOK_LINK_RE = re.compile(r"tiktok\.com/@([a-z0-9._-]+)")


class Roster:
    """The creators enrolled on the campaign."""

    def __init__(self, handles: Iterable[str]):
        self.handles = frozenset(h for h in map(normalize_handle, handles) if h)

    def enrolled(self, handle: str) -> str:
        wanted = normalize_handle(handle)
        if wanted not in self.handles:
            raise BadInput(
                f"creator {wanted!r} is not enrolled on this campaign"
                + (f" (enrolled: {', '.join(sorted(self.handles))})" if self.handles else "")
            )
        return wanted

    def named_in(self, text) -> list[str]:
        """The enrolled handles that stand as words in `text`, sorted."""
        words = {w.rstrip(".") for w in WORD_RE.findall(str(text or "").lower())}
        return sorted(words & self.handles)

    def owner(self, names: Sequence[tuple[str, object]]) -> str | None:
        """The one creator named in the first of `names` ((label, text),
        most specific first) that names any; None when none does."""
        for label, text in names:
            found = self.named_in(text)
            if len(found) == 1:
                return found[0]
            if found:
                raise BadInput(
                    f"{label} {str(text)!r} names {len(found)} creators "
                    f"({', '.join('@' + h for h in found)}); a row must belong to one: "
                    "rename the ad or import one creator's rows with --creator"
                )
        return None


def account_handle(value) -> str | None:
    """The handle in an account cell: a username, or a TikTok video link."""
    text = str(value or "").strip().lower()
    if not text:
        return None
    if link := TIKTOK_LINK_RE.search(text):
        return link[1]
    if "/" in text:  # some other link: names nobody we can tell
        return None
    return normalize_handle(text)
