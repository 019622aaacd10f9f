"""The residents ledger (台账): its columns, and importing it.

One row is one resident: where they live (小区 / 楼栋 / 单元 / 房号, floor), who they are, and
their relation, status and special groups. Areas above the compound are not in the sheet: the
person importing chooses a target area in their scope (a community, say), and compounds,
buildings and units are looked up by name below it. A compound that does not exist is always an
error for its row (a typo would otherwise found a new compound); a building or unit that does not
exist is an error too, unless ``create_missing`` is set, in which case it is created (audited)
inside the import's transaction. Households (房号 in a unit) are created as needed.

Ledgers as people keep them: a compound written without the name of an area above it
(畜牧局家属院 for 盐湖区畜牧局家属院) is a *suggestion*, one per distinct name, whose rows wait
until the person confirms it once for the file (``area_aliases`` / ``accept_suggestions``); a
building or unit written by its number (3, 3栋, 二单元) is the sibling with that number; a 住址
column stands in for 小区/楼栋/单元/房号. Every column of a row is checked, and every message shows
values masked (never a full ID number or phone, never the birth date inside an ID number).

The import works in two phases over one streaming read of the file:

1. **plan**: every row is cleaned and validated with the same rules as a single edit
   (``services.normalise_resident_fields``), its area resolved, and its resident matched:
   by ID number through the lookup hash (one query per batch of rows), else by name within the
   same household. A resident matched by ID number outside the user's import scope is an error
   for that row, never an update, and the message does not say where that person lives. Two rows
   with the same ID number and different names are both errors; the same person twice keeps the
   first row.
2. **write** (not in a dry run): all valid rows in ONE transaction, in batches
   (``residents/bulk.py``). By default rows with errors are skipped and reported (the rest is
   imported); in ``strict`` mode any row error means nothing is written.

Updating an existing resident: a non-empty cell replaces the stored value; an empty cell keeps
it. A non-empty 特殊群体 cell replaces the resident's set of groups (keeping the date and detail
of groups that stay); an empty one keeps them.
"""

import dataclasses
import re
import time
import unicodedata

from django.utils.translation import gettext as _

from frontline.areas.models import PATH_CHUNK, Area
from frontline.core import idnumber, personal, phones
from frontline.core import text as text_rules
from frontline.core.access import can, require
from frontline.core.dbstats import refresh_statistics
from frontline.core.imports import Column, FileRejected, Problem, cell_text, closest, open_table

from .models import Household, NameKey, Resident, ResidentTag

BATCH = 2000
# An import writing at least this many residents refreshes the planner's statistics afterwards.
ANALYZE_AFTER = 1000
# The template's example row (a well-known sample number); refused, so a forgotten example is never imported.
EXAMPLE_ID_NUMBER = "11010519491231002X"

# --- the ledger's columns ----------------------------------------------------------------------

# The aliases are the headers real ledgers carry (community offices' WPS/Excel sheets, the
# census forms, the street office's templates).
COLUMNS = [
    Column("compound", "小区", "Compound", aliases=(
        "小区名称", "院区", "小区/院区", "小区(院区)", "院落", "院落名称", "小区院落", "所在小区", "小区/院落",
        "小区(院落)", "小区名", "院落(小区)", "compound name")),
    Column("building", "楼栋", "Building", aliases=("楼号", "楼栋号", "楼栋名称", "栋号", "楼幢", "楼幢号", "幢号", "栋", "幢", "楼", "building no")),
    Column("unit", "单元", "Unit", aliases=("单元号",)),
    Column("room", "房号", "Room", aliases=("房间号", "门牌号", "室号", "门牌", "户号", "房号/门牌号", "门牌号码", "房屋号", "room number"),
           required=True, instead=("address",)),
    Column("floor", "楼层", "Floor", aliases=("所在楼层",)),
    Column("name", "姓名", "Name", aliases=("居民姓名", "人员姓名", "成员姓名", "姓 名", "full name"), required=True),
    Column("id_number", "身份证号", "ID number", aliases=(
        "身份证号码", "公民身份号码", "公民身份证号码", "证件号码", "证件号", "身份证件号码", "身份证", "身份证号码(18位)",
        "idnumber", "id no", "id"), required=True),
    Column("phone", "手机", "Phone", aliases=("手机号", "手机号码", "联系电话", "电话", "电话号码", "联系方式", "移动电话", "本人电话", "本人联系电话", "mobile")),
    Column("relation", "与户主关系", "Relation to head", aliases=("与户主的关系", "关系", "家庭关系", "relation")),
    Column("status", "居住状态", "Status", aliases=("状态", "居住情况", "人员状态", "在住情况", "residence status")),
    Column("tags", "特殊群体", "Special groups", aliases=("重点人群", "特殊人群", "人群类别", "人员类别", "人员类型", "重点人员类别", "tags", "groups")),
    Column("notes", "备注", "Notes", aliases=("备注说明", "说明", "情况说明", "remarks", "note")),
]
# Read by the import, never written by the template or the export: a whole address in one cell
# ("畜牧局家属院3号楼2单元301"), split into compound, building, unit and room when those are empty.
READ_ONLY = [
    Column("address", "住址", "Address", aliases=("家庭住址", "现住址", "居住地址", "现居住地址", "详细地址", "地址", "居住地", "现居住地", "address")),
]
# Columns ledgers often carry that the ledger derives or does not keep: read, then ignored quietly.
IGNORED = [
    Column("_serial", "序号", "No.", aliases=("编号", "serial")),
    Column("_sex", "性别", "Sex"),
    Column("_birth", "出生日期", "Birth date", aliases=("出生年月", "出生年月日")),
    Column("_age", "年龄", "Age"),
    Column("_nation", "民族", "Ethnicity"),
    Column("_hukou", "户籍地址", "Registered address", aliases=("户籍地", "户籍所在地", "籍贯")),
    Column("_work", "工作单位", "Employer", aliases=("工作单位及职务", "职业")),
    Column("_remarks", "其他备注", "Other remarks", aliases=("备注2", "备注二", "其他", "其他情况")),
]
BY_KEY = {c.key: c for c in COLUMNS + READ_ONLY}

# Values a person writes in a cell → stored codes. The first Chinese label is the canonical one
# (used by the template and the export).
RELATION_LABELS = {
    "head": ("户主", "本人", "户主本人"),
    "spouse": ("配偶", "妻子", "丈夫", "妻", "夫", "爱人"),
    "child": ("子女", "儿子", "女儿", "子", "女", "长子", "次子", "长女", "次女"),
    "parent": ("父母", "父亲", "母亲", "父", "母", "岳父", "岳母", "公公", "婆婆"),
    "grandchild": ("孙子女", "孙子", "孙女", "外孙", "外孙女"),
    "grandparent": ("祖父母", "祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "外公", "外婆"),
    "sibling": ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
    "tenant": ("租户", "租客", "承租人"),
    "other": ("其他", "其它", "亲属", "儿媳", "女婿", "保姆"),
}
STATUS_LABELS = {
    "present": ("在住", "常住", "居住", "在家", "现住"),
    "away": ("外出", "不在", "暂离", "在外地"),
    "moved_out": ("迁出", "已迁出", "已搬离", "搬走"),
    "deceased": ("已故", "死亡", "去世", "已死亡"),  # 已故 first: the template and errors say what the UI says
}
TAG_LABELS = {
    "elderly_alone": ("独居老人", "独居"),
    "pregnant": ("孕妇", "孕产妇", "怀孕"),
    "infant": ("婴幼儿", "婴儿", "3岁以下婴幼儿"),
    "disabled": ("残疾人", "残疾", "残障"),
    "chronic": ("慢性病", "慢病", "透析", "血透", "慢性病患者"),
    "bedridden": ("卧床", "长期卧床", "失能"),
    "migrant_tenant": ("外来务工租户", "农民工租户", "农民工", "外来务工人员"),
    "hardship": ("困难家庭", "困难群众", "低保", "低保户", "特困"),
}
TAG_SEPARATORS = re.compile(r"[、,;/|]+")


def _label_key(text) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def _value_map(labels: dict, choices) -> dict:
    """Every accepted spelling → code: Chinese labels, the code itself, the English label."""
    mapping = {}
    for code, english in choices:
        mapping[_label_key(code)] = code
        mapping[_label_key(english)] = code
    for code, names in labels.items():
        for name in names:
            mapping[_label_key(name)] = code
    return mapping


def _english(choices) -> list:
    from django.utils import translation

    with translation.override("en"):
        return [(code, str(label)) for code, label in choices]


def relation_values():
    return _value_map(RELATION_LABELS, _english(Resident.Relation.choices))


def status_values():
    return _value_map(STATUS_LABELS, _english(Resident.Status.choices))


def tag_values():
    return _value_map(TAG_LABELS, _english(ResidentTag.Tag.choices))


def canonical_label(labels: dict, code: str, english_choices) -> str:
    """How the template and the export write a code: Chinese label, or English outside Chinese."""
    from django.utils.translation import get_language

    if (get_language() or "zh").startswith("zh"):
        return labels[code][0]
    return dict(english_choices)[code]


# --- cleaning one row -------------------------------------------------------------------------

def masked_id_text(text: str) -> str:
    """A (possibly invalid) ID number as a message may show it: area code and last four at most."""
    return personal.mask_id_number(idnumber.clean_raw(text))


def masked_phone_text(text: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))
    return personal.mask_phone(digits) if len(digits) >= 7 else "*" * len(digits)


def id_number_problem(text: str, exc) -> str:
    """The import's message for an ID number that fails a rule: the value masked, and never the
    birth date the number holds (beside the masked number it would rebuild it)."""
    shown = masked_id_text(text)
    if exc.rule == "check":
        digits = idnumber.clean_raw(text)
        return _("%(raw)s: the check digit is wrong (the last character should be %(c)s). Check the number, or search by name.") % {
            "raw": shown, "c": idnumber.check_digit(digits[:17])}
    if exc.rule == "date":
        return _("%(raw)s: the birth date inside the number is not a possible date. Check the number.") % {"raw": shown}
    if re.fullmatch(r"\d+(\.\d+)?E\+?\d+", idnumber.clean_raw(text)):
        shown = f"{float(idnumber.clean_raw(text)):.5E}"  # as Excel shows it: never the digits a CSV may keep
        return _("%(raw)s looks like a number Excel rounded (scientific notation); the digits are lost. Format the column as text and type it again.") % {"raw": shown}
    return _("%(raw)s is not an ID number: it must be 18 characters (17 digits and a digit or X), or a 15-digit old number.") % {"raw": shown}


_CN_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九", 0)}
_NUMBER_CORE = re.compile(r"^(?:第)?([0-9]+|[A-Za-z][0-9]*|[零一二三四五六七八九十]+)(?:号楼|号院|号|栋|幢|楼|座|单元)?$")


def number_core(name) -> str | None:
    """``3号楼`` / ``3栋`` / ``3幢`` / ``3`` → ``3``; ``二单元`` / ``2单元`` / ``2`` → ``2``; else None."""
    match = _NUMBER_CORE.match(area_key(name))
    if not match:
        return None
    core = match.group(1)
    if core[0] in "零一二三四五六七八九十":
        if core == "十":
            return "10"
        if "十" in core:
            tens, _sep, ones = core.partition("十")
            return str(int(_CN_DIGITS.get(tens, "1")) * 10 + int(_CN_DIGITS.get(ones, "0") if ones else 0))
        return "".join(_CN_DIGITS[c] for c in core).lstrip("0") or "0"
    return core.upper().lstrip("0") or "0"


_ADDRESS = re.compile(
    r"^(?P<compound>.*?)"
    r"(?:(?P<building>[0-9A-Za-z]+(?:号楼|栋|幢|号院|座)|[0-9A-Za-z]+(?=-))-?)?"
    r"(?:(?P<unit>[0-9]+(?:单元)|(?<=-)[0-9]+(?=-))-?)?"
    r"(?P<room>[0-9A-Za-z]+)(?:室|号|户)?$"
)


def split_address(text: str) -> dict | None:
    """``畜牧局家属院3号楼2单元301室`` → compound, building, unit, room; ``3-2-301`` too. None when
    the address does not end in a room number."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    match = _ADDRESS.match(text)
    if not match or not match.group("room"):
        return None
    parts = {k: (v or "").strip("-") for k, v in match.groupdict().items()}
    if parts["unit"] and not parts["unit"].endswith("单元"):
        parts["unit"] += "单元"
    if parts["building"] and parts["building"][-1].isascii():
        parts["building"] += "号楼"
    return parts

_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff·])\s+(?=[\u3400-\u9fff·])")
_MASKED = re.compile(r"^\d{3,6}\*{4,}[\dXx]{3,4}$|^\d{3}\*{4}\d{4}$")
_FLOOR = re.compile(r"^(-?\d{1,3})\s*(?:层|楼|f)?$", re.IGNORECASE)


def area_key(name) -> str:
    """Compare area names ignoring spaces, full-width forms and case: ``１ 号楼`` = ``1号楼``."""
    return _label_key(name)


@dataclasses.dataclass(slots=True)
class Record:
    """One valid-looking row, cleaned; the plan fills in where it goes and whom it matches."""

    row: int
    compound: str
    building: str
    unit: str
    room: str
    floor: int | None
    fields: dict  # name, id_number, phone, sex, birth_date, relation, status, notes (only those given)
    tags: tuple | None  # None: the cell was empty (keep what is stored)
    area: object = None  # Area id, or a NewArea the write phase creates
    resident_id: int | None = None  # matched existing resident
    error: bool = False
    unplaced: bool = False  # the address could not be read: no area to look up


@dataclasses.dataclass(frozen=True, slots=True)
class NewArea:
    """A building or unit the import will create (``create_missing``)."""

    kind: str
    name: str
    parent: object  # Area id or NewArea


class RowCleaner:
    """Turns a raw row into a Record, or problems naming the column as the file's header reads."""

    def __init__(self, headers: dict):
        self.headers = headers
        self.relations = relation_values()
        self.statuses = status_values()
        self.tags = tag_values()
        # Model choices are computed on every access: look them up once, not once a row.
        self.choice_sets = (("relation", self.relations, Resident.Relation.choices),
                            ("status", self.statuses, Resident.Status.choices))

    def column(self, key) -> str:
        return self.headers.get(key) or BY_KEY[key].title()

    def clean(self, number: int, raw: dict) -> tuple[Record | None, list[Problem]]:
        problems = []
        # A problem names its row and column and shows the cell masked, never the personal value
        # itself (issue 8, hole 10): the result travels through the job store and the inbox.
        masked_cells = {"id_number": personal.mask_id_number(cell_text(raw.get("id_number"))),
                        "phone": personal.mask_phone(cell_text(raw.get("phone")))}

        def problem(key, message, severity="error"):
            problems.append(Problem(number, self.column(key) if key else "", str(message), severity,
                                    masked_cells.get(key, "")))

        text = {key: cell_text(raw.get(key)) for key in ("compound", "building", "unit", "room", "floor", "relation", "status", "tags")}
        fields = {}
        # The one rule for text input (core/text.py): no control characters; notes may break
        # lines. A tab or line break inside another cell is whitespace and collapses to a space
        # (Excel shows it as one), a tab in the notes too.
        for key, value in raw.items():
            if isinstance(value, str) and key in BY_KEY:
                shown = cell_text(value.replace("\t", " "), keep_spaces=True) if key == "notes" else cell_text(value)
                message = text_rules.control_message(shown, multiline=(key == "notes"))
                if message:
                    problem(key, message)

        name = _CJK_SPACE.sub("", cell_text(raw.get("name")))
        if not name:
            problem("name", _("The name is empty."))
        elif len(name) > 60:
            problem("name", _("The name is longer than 60 characters."))
        else:
            fields["name"] = name

        id_raw, id_text = raw.get("id_number"), ""
        if isinstance(id_raw, (int, float)) and not isinstance(id_raw, bool) and abs(id_raw) >= 1e15:
            problem("id_number", _(
                "Excel stored this ID number as a number and kept only 15 significant digits (it shows as %(shown)s); "
                "the last digits are lost. Format the column as text (the template does) and type the number again."
            ) % {"shown": f"{id_raw:.5E}".replace("E+", "E+")})
        else:
            id_text = cell_text(id_raw)
            if _MASKED.match(id_text.replace(" ", "")):
                problem("id_number", _("This ID number is masked (it comes from an export without full numbers). The import needs the full number, or leave the cell empty."))
            elif id_text:
                fields["id_number"] = id_text

        phone_raw = raw.get("phone")
        phone_text = cell_text(phone_raw)
        if _MASKED.match(phone_text.replace(" ", "")):
            problem("phone", _("This phone number is masked (it comes from an export). The import needs the full number, or leave the cell empty."))
        elif phone_text:
            fields["phone"] = phone_text

        # Each personal field checked on its own, so a row with a bad ID number and a bad phone
        # names both; the value shown is masked (an import's messages reach the page, the
        # job's cache and the command line).
        if fields.get("id_number"):
            try:
                parsed = idnumber.parse(fields["id_number"])
            except idnumber.IDNumberError as exc:
                del fields["id_number"]
                problem("id_number", id_number_problem(id_text, exc))
            else:
                if parsed.number == EXAMPLE_ID_NUMBER:
                    problem("id_number", _("This is the template's example row; delete it before importing."))
                fields.update(id_number=parsed.number, sex=parsed.sex, birth_date=parsed.birth_date)
                for warning in parsed.warnings:
                    problem("id_number", str(warning), "warning")
        if fields.get("phone"):
            try:
                fields["phone"] = phones.normalise(fields["phone"])
            except phones.PhoneError:
                del fields["phone"]
                problem("phone", _("%(raw)s is not a phone number (11-digit mobile, or a landline).") % {"raw": masked_phone_text(phone_text)})

        room_raw = raw.get("room")
        unplaced = False
        if not text["room"] and raw.get("address") not in (None, ""):
            parts = split_address(cell_text(raw.get("address")))
            if parts is None:
                problem("address", _("The address “%(value)s” could not be split into building, unit and room (write it as 3号楼2单元301, or use separate columns).") % {
                    "value": cell_text(raw.get("address"))[:40]})
                text["room"], unplaced = "?", True
            else:
                for key in ("compound", "building", "unit", "room"):
                    if parts[key] and not text[key]:
                        text[key] = parts[key]
        if hasattr(room_raw, "year"):
            problem("room", _("Excel turned this room number into a date (%(value)s). Format the column as text and type it again.") % {"value": cell_text(room_raw)})
        elif not text["room"]:
            problem("room", _("The room number is empty."))
        elif len(text["room"]) > 30:
            problem("room", _("The room number is longer than 30 characters."))

        floor = None
        if text["floor"]:
            match = _FLOOR.match(text["floor"])
            if match:
                floor = int(match.group(1))
            else:
                problem("floor", _("“%(value)s” is not a floor: write a whole number such as 3 or -1.") % {"value": text["floor"]})

        for key, mapping, choices in self.choice_sets:
            if text[key]:
                code = mapping.get(_label_key(text[key]))
                if code is None:
                    labels = RELATION_LABELS if key == "relation" else STATUS_LABELS
                    allowed = "、".join(canonical_label(labels, c, _english(choices)) for c, _l in choices)
                    problem(key, _("“%(value)s” is not known. Allowed: %(allowed)s.") % {"value": text[key], "allowed": allowed})
                else:
                    fields[key] = code

        tags = None
        if text["tags"]:
            tags, unknown = [], []
            for part in TAG_SEPARATORS.split(text["tags"]):
                if not part.strip():
                    continue
                code = self.tags.get(_label_key(part))
                if code is None:
                    unknown.append(part.strip())
                elif code not in tags:
                    tags.append(code)
            if unknown:
                allowed = "、".join(canonical_label(TAG_LABELS, c, _english(ResidentTag.Tag.choices)) for c, _l in ResidentTag.Tag.choices)
                problem("tags", _("Unknown special group: %(values)s. Allowed: %(allowed)s (separate several with 、 , ; or /).") % {
                    "values": "、".join(unknown), "allowed": allowed})
            tags = tuple(tags)

        notes = cell_text(raw.get("notes"), keep_spaces=True).replace("\t", " ")
        if notes:
            fields["notes"] = notes

        if text["unit"] and not text["building"]:
            problem("unit", _("A unit is given without a building."))

        record = Record(number, text["compound"], text["building"], text["unit"], text["room"], floor, fields, tags)
        record.error = any(p.severity == "error" for p in problems)
        record.unplaced = unplaced
        return record, problems


# --- resolving areas ----------------------------------------------------------------------------

# What an area's name may carry around it that a person leaves out (or adds): the name of an
# area above it, with or without its kind ("盐湖区" / "盐湖"), and the generic words for a
# compound. "畜牧局家属院" and "盐湖区畜牧局家属院" differ by such a piece only.
_KIND_ENDINGS = re.compile(r"(?:特别行政区|自治区|自治州|自治县|街道办事处|街道办|街道|办事处|社区居委会|居委会|村委会|省|市|地区|盟|州|区|县|旗|镇|乡|社区|村)$")
GENERIC_AFFIXES = ("小区", "家属院", "家属区", "院区", "院", "社区", "生活区")
_BRACKETS = re.compile(r"[()\[\]【】（）<>《》「」]")

# A row held back until the person confirms a suggested area name (``Plan`` skips it).
HELD = object()


def _affix_forms(names) -> set:
    forms = set()
    for name in names:
        key = area_key(name)
        if key:
            forms.add(key)
            short = _KIND_ENDINGS.sub("", key)
            if len(short) >= 2:
                forms.add(short)
    return forms | {area_key(g) for g in GENERIC_AFFIXES}


def _made_of(text: str, pieces: set, depth: int = 0) -> bool:
    """``text`` is a run of ``pieces`` (``运城市盐湖区`` of {运城市, 盐湖区}); empty is."""
    if not text:
        return True
    if depth > 4:
        return False
    return any(text.startswith(p) and _made_of(text[len(p):], pieces, depth + 1) for p in pieces if p)


def differs_by_affix(a: str, b: str, pieces: set) -> bool:
    """Two names (already ``area_key``-ed) that differ only by affixes from ``pieces`` around a
    shared core of at least two characters."""
    a, b = _BRACKETS.sub("", a), _BRACKETS.sub("", b)
    if a == b:
        return True
    long, short = (a, b) if len(a) >= len(b) else (b, a)
    if len(short) < 2:
        return False
    start = long.find(short)
    while start >= 0:
        if _made_of(long[:start], pieces) and _made_of(long[start + len(short):], pieces):
            return True
        start = long.find(short, start + 1)
    return False


class AreaResolver:
    """Finds (or plans) the compound / building / unit of a row below the target area.

    A compound named in the sheet that is not found by its exact name but differs from exactly
    one compound only by the name of an area above it (``畜牧局家属院`` for
    ``盐湖区畜牧局家属院``) or a generic word (小区, 院) becomes a *suggestion*: one per distinct
    name, which the person confirms once for the whole file (``aliases``: {name: area id}, or
    ``accept_suggestions``). Until then its rows are held back, not imported. A building or unit
    written as its number alone (``3``, ``3栋``, ``二单元``) matches the one sibling with that
    number (``3号楼``, ``2单元``).
    """

    def __init__(self, target: Area, *, user, create_missing: bool, aliases=None, accept_suggestions=False):
        self.target, self.user, self.create_missing = target, user, create_missing
        self.compounds, self.buildings, self.units = {}, {}, {}
        self.building_numbers, self.unit_numbers = {}, {}
        self.names = {}
        areas = Area.objects.subtree(target).filter(kind__in=["compound", "building", "unit"]).values_list("pk", "kind", "name", "parent_id", "path")
        self.paths = {}
        for pk, kind, name, parent_id, path in areas:
            self.names[pk], self.paths[pk] = name, path
            if kind == "compound":
                self.compounds.setdefault(area_key(name), []).append(pk)
            elif kind == "building":
                self.buildings[(parent_id, area_key(name))] = pk
                self.building_numbers.setdefault((parent_id, number_core(name)), []).append(pk)
            else:
                self.units[(parent_id, area_key(name))] = pk
                self.unit_numbers.setdefault((parent_id, number_core(name)), []).append(pk)
        self.planned: dict = {}  # (kind, normalised name, parent) -> NewArea, in first-seen order
        self.aliases = {area_key(k): int(v) for k, v in (aliases or {}).items()}
        self.accept_suggestions = accept_suggestions
        self.suggestions: dict = {}  # area_key(sheet name) -> suggestion dict (one per distinct name)
        self._guesses: dict = {}  # area_key(sheet name) -> compound id or None
        self._pieces = None

    def _compound_pieces(self) -> dict:
        """{compound id: the affixes its name may carry}: the names of every area above it."""
        if self._pieces is None:
            paths = {pk: self.paths[pk] for pks in self.compounds.values() for pk in pks}
            above = {p[:i] for p in paths.values() for i in range(PATH_CHUNK, len(p), PATH_CHUNK)}
            names = dict(Area.objects.filter(path__in=above).values_list("path", "name"))
            self._pieces = {
                pk: _affix_forms(names[p[:i]] for i in range(PATH_CHUNK, len(p), PATH_CHUNK) if p[:i] in names)
                for pk, p in paths.items()
            }
        return self._pieces

    def _guess_compound(self, key: str):
        if key not in self._guesses:
            pieces = self._compound_pieces()
            hits = [pk for pk in pieces if differs_by_affix(key, area_key(self.names[pk]), pieces[pk])]
            self._guesses[key] = hits[0] if len(hits) == 1 else None
        return self._guesses[key]

    def _label(self, pk) -> str:
        return self.names[pk]

    def suggestion_list(self) -> list:
        return sorted(self.suggestions.values(), key=lambda s: s["first_row"])

    def _plan_new(self, kind, name, parent, plan=True) -> "NewArea":
        if not plan:
            return NewArea(kind, name, parent)
        return self.planned.setdefault((kind, area_key(name), parent), NewArea(kind, name, parent))

    def _suggest(self, wanted, candidates) -> str:
        names = sorted(set(candidates))
        guess = closest(wanted, names, normalise=area_key)
        if guess:
            return _(" Did you mean “%(guess)s”?") % {"guess": guess}
        if names:
            shown = "、".join(names[:8]) + ("…" if len(names) > 8 else "")
            return _(" Existing: %(names)s.") % {"names": shown}
        return ""

    def _find_compound(self, record: Record):
        """(compound ids found, held?) for the row's compound name."""
        key = area_key(record.compound)
        found = self.compounds.get(key, [])
        if found:
            return found, False
        alias = self.aliases.get(key)
        if alias is not None and alias in self.names and any(alias in pks for pks in self.compounds.values()):
            return [alias], False
        guess = self._guess_compound(key)
        if guess is None:
            return [], False
        suggestion = self.suggestions.get(key)
        if suggestion is None:
            suggestion = self.suggestions[key] = {
                "name": record.compound, "area_id": guess, "area": self._label(guess),
                "rows": 0, "first_row": record.row, "accepted": self.accept_suggestions,
            }
        suggestion["rows"] += 1
        if self.accept_suggestions:
            return [guess], False
        return [], True

    def _find_child(self, exact: dict, numbers: dict, parent, name):
        pk = exact.get((parent, area_key(name)))
        if pk is not None:
            return pk
        core = number_core(name)
        hits = numbers.get((parent, core), []) if core is not None else []
        return hits[0] if len(hits) == 1 else None

    def resolve(self, record: Record, column, *, plan=True) -> tuple[object, Problem | None]:
        def fail(key, message):
            return None, Problem(record.row, column(key), str(message))

        target = self.target
        if record.compound:
            found, held = self._find_compound(record)
            if held:
                return HELD, None
            if target.kind == "compound" and not found:
                return fail("compound", _("This row names the compound “%(name)s”, but the import goes into “%(target)s”. Choose the right target area, or correct the cell.") % {
                    "name": record.compound, "target": target.name})
            if not found:
                names = [self.names[pks[0]] for pks in self.compounds.values()]
                return fail("compound", _("There is no compound “%(name)s” in %(target)s.%(hint)s") % {
                    "name": record.compound, "target": target.name, "hint": self._suggest(record.compound, names)})
            if len(found) > 1:
                return fail("compound", _("Several compounds in %(target)s are named “%(name)s”. Import into the community that holds the right one.") % {
                    "name": record.compound, "target": target.name})
            compound = found[0]
        elif target.kind == "compound":
            compound = target.pk
        else:
            return fail("compound", _("The compound is empty. Fill it in, or import into the compound itself."))

        if not record.building:
            return compound, None
        building = self._find_child(self.buildings, self.building_numbers, compound, record.building)
        if building is None:
            if not self.create_missing:
                siblings = [self.names[pk] for (parent, _k), pk in self.buildings.items() if parent == compound]
                return fail("building", _("There is no building “%(name)s” in %(compound)s.%(hint)s Tick “create missing buildings and units” to create it.") % {
                    "name": record.building, "compound": self.names[compound], "hint": self._suggest(record.building, siblings)})
            if not can(self.user, "change", self.paths[compound]):
                return fail("building", _("There is no building “%(name)s” in %(compound)s, and you may not create one there.") % {
                    "name": record.building, "compound": self.names[compound]})
            building = self._plan_new("building", record.building, compound, plan)
        if not record.unit:
            return building, None
        unit = None if isinstance(building, NewArea) else self._find_child(self.units, self.unit_numbers, building, record.unit)
        if unit is None:
            if not self.create_missing:
                siblings = [self.names[pk] for (parent, _k), pk in self.units.items() if parent == building]
                return fail("unit", _("There is no unit “%(name)s” in building %(building)s.%(hint)s Tick “create missing buildings and units” to create it.") % {
                    "name": record.unit, "building": self.names[building], "hint": self._suggest(record.unit, siblings)})
            unit = self._plan_new("unit", record.unit, building, plan)
        return unit, None



# --- the import ---------------------------------------------------------------------------------

@dataclasses.dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool
    strict: bool = False
    filename: str = ""
    area: str = ""
    rows: int = 0
    held: int = 0  # rows waiting for a suggested area name to be confirmed
    suggestions: list = dataclasses.field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    households_created: int = 0
    areas_created: list = dataclasses.field(default_factory=list)
    problems: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    rejected: str = ""
    details: list = dataclasses.field(default_factory=list)
    written: bool = False
    seconds: float = 0.0

    @property
    def errors(self):
        return [p for p in self.problems if p.severity == "error"]

    @property
    def error_rows(self) -> int:
        return len({p.row for p in self.problems if p.severity == "error"})

    def as_dict(self, *, max_problems: int | None = None) -> dict:
        data = dataclasses.asdict(self)
        # Errors first (they decide what is skipped), then warnings; each in row order.
        problems = sorted(self.problems, key=lambda p: (p.severity != "error", p.row or 0))
        data["problem_count"] = len(problems)
        data["error_rows"] = self.error_rows
        data["problems"] = [p.as_dict() for p in (problems if max_problems is None else problems[:max_problems])]
        return data


def import_ledger(path, *, area: Area, actor, dry_run=True, strict=False, create_missing=False,
                  filename="", progress=None, source="import", area_aliases=None,
                  accept_suggestions=False) -> ImportResult:
    """Import the ledger at ``path`` into ``area`` as ``actor`` (a user, or a system actor for
    the command line without --user).

    ``result.suggestions`` lists the compound names of the sheet that match a compound only up
    to the name of an area above it (one entry per distinct name, with its row count); their rows
    are held back (``result.held``) until confirmed: ``area_aliases`` {sheet name: compound id}
    confirms some (the page's confirm step), ``accept_suggestions`` all (the CLI's explicit
    ``--accept-suggested-areas``).

    Never raises on bad input: a file-level problem comes back as ``result.rejected`` with
    ``result.details``; row problems as ``result.problems``. ``progress(phase, done, total)`` is
    called now and then ("read" while checking rows, "write" while saving).
    """
    started = time.monotonic()
    result = ImportResult(dry_run=dry_run, strict=strict, filename=filename, area=area.full_name())
    require(actor, "import", area, _("You may not import into this area."))
    if area.kind not in ("city", "district", "street", "community", "compound"):
        result.rejected = _("Import into a compound or an area above it (a community, say); buildings and units come from the sheet.")
        return result
    try:
        with open_table(path, COLUMNS + READ_ONLY + IGNORED) as table:
            plan = _plan(table, area=area, user=actor, create_missing=create_missing, result=result, progress=progress,
                         aliases=area_aliases, accept_suggestions=accept_suggestions)
            result.warnings += table.warnings
    except FileRejected as exc:
        result.rejected, result.details = exc.message, exc.details
        result.problems = []
        result.seconds = time.monotonic() - started
        return result
    result.skipped = result.error_rows + result.held
    if dry_run or (strict and (result.errors or result.held)) or not plan.has_work():
        result.created = len(plan.creates)
        result.updated = len(plan.updates)
        result.areas_created = [a.name for a in plan.new_areas]
        result.households_created = len(plan.new_households)
        if strict and (result.errors or result.held) and not dry_run:
            result.skipped = result.rows
            result.created = result.updated = result.households_created = 0
            result.areas_created = []
        result.seconds = time.monotonic() - started
        return result

    from .bulk import write_plan

    write_plan(plan, area=area, user=actor, result=result, source=source, progress=progress)
    if len(plan.creates) + len(plan.updates) >= ANALYZE_AFTER:
        # After a large load the planner needs fresh statistics (SQLite has none until asked).
        refresh_statistics([Area, Household, Resident, ResidentTag, NameKey], full=False)
    result.written = True
    result.seconds = time.monotonic() - started
    return result


@dataclasses.dataclass
class Plan:
    creates: list  # Records to create
    updates: list  # Records matched to an existing resident
    new_areas: list  # NewArea, parents before children
    new_households: dict  # (area, room) -> floor, for households that do not exist yet
    households: dict  # (area id, room) -> household id, existing ones under the target
    area_names: dict  # area id -> name, for the areas under the target
    area_paths: dict  # area id -> path

    def has_work(self):
        return bool(self.creates or self.updates)


def _plan(table, *, area, user, create_missing, result, progress, aliases=None, accept_suggestions=False) -> Plan:
    cleaner = RowCleaner(table.headers)
    resolver = AreaResolver(area, user=user, create_missing=create_missing, aliases=aliases, accept_suggestions=accept_suggestions)
    households = {
        (area_id, room): pk
        for pk, area_id, room in Household.objects.in_area(area).values_list("pk", "area_id", "room")
    }
    seen_ids: dict = {}  # id number -> Record (first row)
    seen_names: dict = {}  # (area, room, name) -> Record, for rows without ID number
    records, batch = [], []
    problems = result.problems

    def flush():
        _match_batch(batch, user=user, households=households, problems=problems, column=cleaner.column)
        batch.clear()

    for number, raw in table.rows():
        result.rows += 1
        record, row_problems = cleaner.clean(number, raw)
        problems += row_problems
        # The area is resolved even for a row with errors, so every problem of the row shows at once.
        record.area, problem = (None, None) if record.unplaced else resolver.resolve(record, cleaner.column, plan=not record.error)
        if problem:
            problems.append(problem)
            continue
        if record.error:
            continue
        if record.area is HELD:
            result.held += 1
            continue
        id_number = record.fields.get("id_number")
        if id_number:
            first = seen_ids.get(id_number)
            if first is not None:
                if first.fields["name"] != record.fields["name"]:
                    problems.append(Problem(number, cleaner.column("id_number"), _(
                        "Row %(first)s has the same ID number with a different name (%(a)s, here %(b)s). Neither row is imported: check which is right."
                    ) % {"first": first.row, "a": personal.mask_name(first.fields["name"]), "b": personal.mask_name(record.fields["name"])}))
                    if not first.error:
                        first.error = True
                        problems.append(Problem(first.row, cleaner.column("id_number"), _(
                            "Row %(other)s has the same ID number with a different name (%(b)s, here %(a)s). Neither row is imported: check which is right."
                        ) % {"other": number, "a": personal.mask_name(first.fields["name"]), "b": personal.mask_name(record.fields["name"])}))
                else:
                    problems.append(Problem(number, cleaner.column("id_number"), _(
                        "The same person (same ID number and name) is already on row %(first)s; this row is skipped."
                    ) % {"first": first.row}))
                continue
            seen_ids[id_number] = record
        else:
            key = (record.area, record.room, record.fields["name"])
            first = seen_names.get(key)
            if first is not None:
                problems.append(Problem(number, cleaner.column("name"), _(
                    "Row %(first)s has the same name in the same room and neither has an ID number; add ID numbers to tell them apart. This row is skipped."
                ) % {"first": first.row}))
                continue
            seen_names[key] = record
        records.append(record)
        batch.append(record)
        if len(batch) >= BATCH:
            flush()
            if progress:
                progress("read", result.rows, table.total_rows)
    flush()
    if progress:
        progress("read", result.rows, table.total_rows)
    result.suggestions = resolver.suggestion_list()

    creates, updates, new_households = [], [], {}
    matched = {}
    for record in records:
        if record.error:
            continue
        if record.resident_id is not None:
            other = matched.get(record.resident_id)
            if other is not None:
                # Two rows (say, one by ID number, one by name) land on the same stored person.
                problems.append(Problem(record.row, cleaner.column("name"), _(
                    "This row and row %(first)s both match the same resident already in the ledger; this row is skipped."
                ) % {"first": other.row}))
                continue
            matched[record.resident_id] = record
            updates.append(record)
        else:
            creates.append(record)
        if _household_id(households, record) is None:
            new_households.setdefault((record.area, record.room), record.floor)
    new_areas = sorted(resolver.planned.values(), key=lambda a: a.kind != "building")
    return Plan(creates, updates, new_areas, new_households, households, resolver.names, resolver.paths)


def _household_id(households, record):
    return households.get((record.area, record.room)) if isinstance(record.area, int) else None


def _match_batch(batch, *, user, households, problems, column):
    """Match a batch of rows to stored residents: by ID hash, else by name within the household."""
    if not batch:
        return
    by_hash = {}
    for record in batch:
        if record.fields.get("id_number"):
            by_hash[personal.lookup_hash("id", record.fields["id_number"])] = record
    found = {}
    if by_hash:
        rows = Resident.objects.filter(id_number_hash__in=list(by_hash)).values_list("pk", "id_number_hash", "household__area__path")
        for pk, digest, path in rows:
            found[digest] = (pk, path)
    household_ids = {hid for r in batch if (hid := _household_id(households, r)) is not None}
    by_name = {}
    if household_ids:
        rows = Resident.objects.filter(household_id__in=household_ids).values_list("pk", "household_id", "name", "id_number_hash")
        for pk, household_id, name, digest in rows:
            by_name.setdefault((household_id, name), []).append((pk, digest))
    for record in batch:
        id_number = record.fields.get("id_number")
        if id_number:
            hit = found.get(personal.lookup_hash("id", id_number))
            if hit is not None:
                pk, path = hit
                if not can(user, "import", path):
                    record.error = True
                    problems.append(Problem(record.row, column("id_number"), _(
                        "A resident with this ID number is registered outside the areas you may import into. "
                        "Ask the command post responsible for them (or above you) to move or update that record."
                    )))
                else:
                    record.resident_id = pk
                continue
        household_id = _household_id(households, record)
        if household_id is None:
            continue
        candidates = by_name.get((household_id, record.fields["name"]), [])
        if id_number:
            candidates = [c for c in candidates if not c[1]]  # only people stored without an ID number
        if len(candidates) == 1:
            record.resident_id = candidates[0][0]
        elif len(candidates) > 1:
            record.error = True
            problems.append(Problem(record.row, column("name"), _(
                "Several residents named %(name)s live in this room and the row has no ID number to tell which; add the ID number."
            ) % {"name": personal.mask_name(record.fields["name"])}))


def describe(result: ImportResult) -> str:
    """One line for the CLI and the page title."""
    if result.rejected:
        return _("The file was not imported: %(reason)s") % {"reason": result.rejected}
    values = {"rows": result.rows, "created": result.created, "updated": result.updated,
              "unchanged": result.unchanged, "skipped": result.skipped}
    held = ""
    if result.held:
        held = " " + _("%(held)s rows wait until you confirm the area names suggested below.") % {"held": result.held}
    if result.dry_run:
        values["skipped"] = result.error_rows
        return _("Dry run: %(rows)s rows read; would create %(created)s, update %(updated)s; %(skipped)s rows have errors. Nothing was saved.") % values + held
    if not result.written:
        if result.strict and result.errors:
            return _("Nothing was imported: %(skipped)s rows have errors and the import was set to all-or-nothing.") % {"skipped": result.error_rows}
        return _("Nothing to import: %(rows)s rows read, %(skipped)s skipped.") % values
    return _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s skipped (of %(rows)s rows).") % values + held

