"""Pinyin search keys for names.

张三 → zhangsan and zs. pypinyin reads a surname with its common reading (曾 → ceng), so every
reading of the first character is indexed: 曾小明 → zengxiaoming, cengxiaoming, zxm, cxm.
"""

import functools
import re

from pypinyin import Style, lazy_pinyin, pinyin

_NON_HAN = re.compile(r"[^\u3400-\u9fff]")


def search_keys(name: str) -> set[str]:
    """All full-pinyin and initials keys for ``name`` (lowercase ASCII)."""
    name = (name or "").strip()
    if not name:
        return set()
    if not re.search(r"[\u3400-\u9fff]", name):
        plain = re.sub(r"[^a-z]", "", name.lower())
        return {plain} if plain else set()
    rest = list(_readings_of_rest(name[1:]))
    firsts = set(_readings_of_first(name[0]))
    if not firsts:
        firsts = {re.sub(r"[^a-z]", "", name[0].lower())}
    keys = set()
    rest = [r for r in rest if r]
    for first in firsts:
        syllables = [first, *rest]
        keys.add("".join(syllables))
        keys.add("".join(s[0] for s in syllables if s))
    keys.discard("")
    return keys


def normalise_query(text: str) -> str:
    return re.sub(r"[^a-z]", "", (text or "").lower())


# pypinyin is the slow part of indexing a name; surnames and given names repeat endlessly (a
# 100,000-row import has a few thousand distinct given names), so both lookups are cached.
@functools.lru_cache(maxsize=65536)
def _readings_of_rest(rest: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(rest, errors=lambda chars: re.sub(r"[^a-z]", "", chars.lower())))


@functools.lru_cache(maxsize=8192)
def _readings_of_first(char: str) -> tuple[str, ...]:
    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(readings[0]) if readings else ()
