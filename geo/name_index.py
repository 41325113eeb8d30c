"""The index a geocoder scans texts with: one automaton over every name, and adcode
relations.

Names are found by one Aho–Corasick automaton (``pyahocorasick``); each name carries
a precomputed entry (its units, the outermost of them, its entities, its generic
type and the enclosing units of the one unit it names), so resolving what was found
is set work on precomputed sets. Adcodes nest by prefix: 320000 (province) ⊃ 320700
(city) ⊃ 320706 (county).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick


def name_automaton(names: dict[str, tuple[list[str], list[str]]],
                   generic: dict[str, str],
                   ancestors: dict[str, frozenset[str]] | None = None,
                   ) -> tuple[ahocorasick.Automaton, list[tuple]]:
    """An Aho–Corasick automaton over every name, and what each name means.

    A match's value is an index into the list of entries (length, admin ids, the
    outermost of them, entity ids, generic type, the enclosing units of the one
    unit the name names or None), so a scan needs no further lookup and the
    resolution of a name of one unit (most names) is set work on precomputed
    sets. ``iter_long`` yields the longest name at the leftmost position, left
    to right, without overlaps: the same matches as :func:`trie_pattern`.
    """
    ancestors = ancestors or {}
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    entries = []
    for word in sorted({*names, *generic} - {""}):
        admin, entity = names.get(word, ((), ()))
        codes = frozenset(admin)
        single = ancestors.get(only(codes), frozenset()) if len(codes) == 1 else None
        automaton.add_word(word, len(entries))
        entries.append((len(word), codes, frozenset(outermost(codes)), tuple(entity),
                        None if entity else generic.get(word), single))
    automaton.make_automaton()
    return automaton, entries


def trie_pattern(words: Iterable[str]) -> re.Pattern:
    """A regex matching the longest of ``words`` at the leftmost position.

    The words are folded into a character trie written as nested groups, so
    the regex engine walks the trie in C instead of trying every word; a
    greedy optional group after a complete word prefers the longer word.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(_trie_regex(trie) or "(?!)")


def _trie_regex(node: dict) -> str:
    branches = [re.escape(char) + _trie_regex(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def only(codes: frozenset[str]) -> str:
    """The one code of a one-element set."""
    for code in codes:
        return code
    raise ValueError("empty set of codes")


def prefix(code: str) -> str:
    """The code prefix every unit inside ``code`` shares (320000 -> 32, 320700 -> 3207)."""
    return code[:2] if code[2:] == "0000" else code[:4] if code[4:] == "00" else code


def within(inner: str, outer: str) -> bool:
    """True when adcode ``inner`` is ``outer`` or lies inside it (by code prefix)."""
    return inner.startswith(prefix(outer))


def related(a: str, b: str) -> bool:
    """True when one of two adcodes lies inside the other (or they are the same)."""
    return within(a, b) or within(b, a)


def touches(state, codes, ancestors) -> bool:
    """True when a unit of ``state`` is one of ``codes`` or inside one of them."""
    for s in state:
        if s in codes or not ancestors[s].isdisjoint(codes):
            return True
    return False


def outermost(codes: set[str]) -> set[str]:
    """Drop codes inside another code of the set: bare 淮安 is the city, not 淮安区."""
    return {c for c in codes if not any(o != c and within(c, o) for o in codes)}
