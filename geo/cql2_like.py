"""CQL2 ``LIKE`` patterns matched without backtracking, and the CASEI/ACCENTI folds.

A pattern is read as the standard writes it (OGC 21-065r2, 8.2.2): ``%`` any run of
characters (a run of ``%`` is one), ``_`` exactly one character, ``\\`` makes the
next character literal, every other character is itself. The pattern is split on
``%`` into pieces of fixed length; the first piece must start the text, the last
must end it and each piece in between is found leftmost after the previous one.
Finding a piece never looks back, so a match costs at most (text length × pattern
length) character comparisons whatever the pattern: no regular expression with a
quantifier is ever built from client text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

WILDCARD, SINGLE, ESCAPE = "%", "_", "\\"
_ANY = None  # a piece item that matches any one character


@dataclass(frozen=True)
class LikePattern:
    """A compiled pattern: the piece before the first ``%`` (``head``), the pieces
    between (``middle``, empty ones dropped: a run of ``%`` is one) and the piece after
    the last (``tail``); without any ``%``, ``tail`` is None and ``head`` is the whole."""

    head: tuple[str | None, ...]
    middle: tuple[tuple[str | None, ...], ...]
    tail: tuple[str | None, ...] | None

    def matches(self, text: str) -> bool:
        """True when ``text`` as a whole matches the pattern."""
        head, tail = self.head, self.tail
        if tail is None:
            return len(text) == len(head) and _piece_at(head, text, 0)
        end = len(text) - len(tail)
        if end < len(head) or not _piece_at(head, text, 0) or not _piece_at(tail, text, end):
            return False
        start = len(head)
        for piece in self.middle:
            found = _find(piece, text, start, end)
            if found < 0:
                return False
            start = found + len(piece)
        return True


def compile_like(pattern: str) -> LikePattern:
    """The :class:`LikePattern` of a CQL2 ``LIKE`` pattern.

    Examples
    --------
    >>> compile_like("宿迁_%").matches("宿迁市高新区")
    True
    >>> compile_like("rd.intensity").matches("rd_intensity")
    False
    >>> compile_like("100\\\\%").matches("100%")
    True
    """
    pieces: list[tuple[str | None, ...]] = []
    current: list[str | None] = []
    escaped = False
    for char in pattern:
        if escaped:
            current.append(char)
            escaped = False
        elif char == ESCAPE:
            escaped = True
        elif char == WILDCARD:
            pieces.append(tuple(current))
            current = []
        elif char == SINGLE:
            current.append(_ANY)
        else:
            current.append(char)
    if escaped:  # a trailing backslash stands for itself
        current.append(ESCAPE)
    pieces.append(tuple(current))
    if len(pieces) == 1:
        return LikePattern(head=pieces[0], middle=(), tail=None)
    return LikePattern(head=pieces[0], middle=tuple(p for p in pieces[1:-1] if p),
                       tail=pieces[-1])


def _piece_at(piece, text: str, at: int) -> bool:
    if at < 0 or at + len(piece) > len(text):
        return False
    return all(item is _ANY or item == text[at + k] for k, item in enumerate(piece))


def _find(piece, text: str, start: int, end: int) -> int:
    """The first position from ``start`` where ``piece`` lies wholly before ``end``, or -1."""
    if _ANY not in piece:
        return text.find("".join(piece), start, end)
    if all(item is _ANY for item in piece):  # only _: any place with room will do
        return start if end - start >= len(piece) else -1
    for at in range(start, end - len(piece) + 1):
        if _piece_at(piece, text, at):
            return at
    return -1


def fold_case(text: str) -> str:
    """CASEI: the text in lower case (one character stays one character)."""
    return text.lower()


def fold_accents(text: str) -> str:
    """ACCENTI: the text without combining marks (``é`` → ``e``), recomposed."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)
