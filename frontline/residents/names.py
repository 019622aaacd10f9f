"""Pinyin search keys for names.

张三 → zhangsan and zs. pypinyin reads a surname with its common reading (曾 → ceng), so the
first character is indexed with its common reading and, for surnames read differently, the
surname reading too: 曾小明 → cengxiaoming, zengxiaoming, cxm, zxm. Every dictionary reading of
every first character would be too many (丁 would also match "zheng"), so the surname readings
are listed here.
"""

import re

from pypinyin import Style, lazy_pinyin, pinyin

# Surnames whose reading differs from the character's common reading (or has two in use).
SURNAME_READINGS = {
    "曾": {"zeng"}, "单": {"shan"}, "解": {"xie"}, "仇": {"qiu"}, "区": {"ou"}, "查": {"zha"},
    "朴": {"piao"}, "盖": {"ge"}, "乐": {"yue"}, "尉": {"yu"}, "缪": {"miao"}, "覃": {"qin"},
    "翟": {"zhai"}, "种": {"chong"}, "繁": {"po"}, "召": {"shao"}, "員": {"yun"}, "员": {"yun"},
    "长": {"zhang"}, "重": {"chong"}, "秘": {"bi"}, "冼": {"xian"}, "沈": {"shen"}, "折": {"she"},
    "句": {"gou"}, "厙": {"she"}, "隗": {"wei"}, "任": {"ren"}, "华": {"hua"}, "纪": {"ji"},
    "过": {"guo"}, "宁": {"ning"}, "葛": {"ge"}, "蕃": {"pi"}, "洗": {"xian"}, "阚": {"kan"},
}


def search_keys(name: str) -> set[str]:
    """All full-pinyin and initials keys for ``name`` (lowercase ASCII)."""
    name = (name or "").strip()
    if not name:
        return set()
    if not re.search(r"[\u3400-\u9fff]", name):
        plain = re.sub(r"[^a-z]", "", name.lower())
        return {plain} if plain else set()
    rest = lazy_pinyin(name[1:], errors=lambda chars: re.sub(r"[^a-z]", "", chars.lower()))
    common = pinyin(name[0], style=Style.NORMAL, errors="ignore")
    firsts = set(common[0][:1]) if common else set()
    firsts |= SURNAME_READINGS.get(name[0], set())
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
