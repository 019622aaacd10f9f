"""Pinyin search keys for names.

张三 → zhangsan and zs. pypinyin reads a surname with its common reading (曾 → ceng), so every
reading of the first character is indexed: 曾小明 → zengxiaoming, cengxiaoming, zxm, cxm.
"""

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
    rest = lazy_pinyin(name[1:], errors=lambda chars: re.sub(r"[^a-z]", "", chars.lower()))
    first_readings = pinyin(name[0], style=Style.NORMAL, heteronym=True, errors="ignore")
    firsts = set(first_readings[0]) if first_readings else set()
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
