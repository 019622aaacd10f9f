"""Pinyin search keys for names.

张三 → zhangsan and zs. pypinyin reads a surname with its common reading (曾 → ceng), so the
first character is indexed with its common reading and, for surnames read differently, the
surname reading too: 曾小明 → cengxiaoming, zengxiaoming, cxm, zxm. Every dictionary reading of
every first character would be too many (丁 would also match "zheng"), so the surname readings
are listed here.
"""

import functools
import re

from pypinyin import lazy_pinyin

_HAN = re.compile(r"[\u3400-\u9fff]")

# Surnames whose reading differs from the character's common reading (or has two in use).
SURNAME_READINGS = {
    "曾": {"zeng"}, "单": {"shan"}, "解": {"xie"}, "仇": {"qiu"}, "区": {"ou"}, "查": {"zha"},
    "朴": {"piao"}, "盖": {"ge"}, "乐": {"yue"}, "尉": {"yu"}, "缪": {"miao"}, "覃": {"qin"},
    "翟": {"zhai"}, "种": {"chong"}, "繁": {"po"}, "召": {"shao"}, "員": {"yun"}, "员": {"yun"},
    "长": {"zhang"}, "重": {"chong"}, "秘": {"bi"}, "冼": {"xian"}, "沈": {"shen"}, "折": {"she"},
    "句": {"gou"}, "厙": {"she"}, "隗": {"wei"}, "任": {"ren"}, "华": {"hua"}, "纪": {"ji"},
    "过": {"guo"}, "宁": {"ning"}, "葛": {"ge"}, "蕃": {"pi"}, "洗": {"xian"}, "阚": {"kan"},
}


@functools.lru_cache(maxsize=8192)
def _syllable(char: str) -> str:
    """The common reading of one character (cached: a city's names share a few thousand)."""
    if not _HAN.match(char):
        return re.sub(r"[^a-z]", "", char.lower())
    return lazy_pinyin(char)[0]


@functools.lru_cache(maxsize=65536)
def search_keys(name: str) -> frozenset[str]:
    """All full-pinyin and initials keys for ``name`` (lowercase ASCII).

    Characters are read one by one: given names rarely form dictionary phrases, and reading
    per character (cached) is fifty times faster than phrase segmentation on a large import.
    """
    name = (name or "").strip()
    if not name:
        return frozenset()
    if not _HAN.search(name):
        plain = re.sub(r"[^a-z]", "", name.lower())
        return frozenset({plain} if plain else ())
    rest = [s for s in (_syllable(c) for c in name[1:]) if s]
    firsts = {_syllable(name[0])} | SURNAME_READINGS.get(name[0], set())
    firsts.discard("")
    keys = set()
    for first in firsts:
        syllables = [first, *rest]
        keys.add("".join(syllables))
        keys.add("".join(s[0] for s in syllables if s))
    keys.discard("")
    return frozenset(keys)


def normalise_query(text: str) -> str:
    return re.sub(r"[^a-z]", "", (text or "").lower())
