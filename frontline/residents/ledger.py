"""The residents ledger (台账): its columns, and importing it.

One row is one resident: where they live (小区 / 楼栋 / 单元 / 房号, floor), who they are, and
their relation, status and special groups. Areas above the compound are not in the sheet: the
person importing chooses a target area in their scope (a community, say), and compounds,
buildings and units are looked up by name below it. A compound that does not exist is always an
error for its row (a typo would otherwise found a new compound); a building or unit that does not
exist is an error too, unless ``create_missing`` is set, in which case it is created (audited)
inside the import's transaction. Households (房号 in a unit) are created as needed.

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

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from frontline.areas.models import Area
from frontline.core import personal
from frontline.core.access import can, require
from frontline.core.dbstats import refresh_statistics
from frontline.core.imports import Column, FileRejected, Problem, cell_text, closest, open_table

from .models import Household, NameKey, Resident, ResidentTag
from .services import normalise_resident_fields

BATCH = 2000
# An import writing at least this many residents refreshes the planner's statistics afterwards.
ANALYZE_AFTER = 1000
# The template's example row (a well-known sample number); refused, so a forgotten example is never imported.
EXAMPLE_ID_NUMBER = "11010519491231002X"

# --- the ledger's columns ----------------------------------------------------------------------

COLUMNS = [
    Column("compound", "小区", "Compound", aliases=("小区名称", "院区", "小区/院区", "小区(院区)", "compound name")),
    Column("building", "楼栋", "Building", aliases=("楼号", "楼栋号", "楼栋名称", "栋号")),
    Column("unit", "单元", "Unit", aliases=("单元号",)),
    Column("room", "房号", "Room", aliases=("房间号", "门牌号", "室号", "room number"), required=True),
    Column("floor", "楼层", "Floor", aliases=("所在楼层",)),
    Column("name", "姓名", "Name", aliases=("居民姓名", "full name"), required=True),
    Column("id_number", "身份证号", "ID number", aliases=("身份证号码", "公民身份号码", "证件号码", "身份证", "idnumber", "id no", "id"), required=True),
    Column("phone", "手机", "Phone", aliases=("手机号", "手机号码", "联系电话", "电话", "联系方式", "mobile")),
    Column("relation", "与户主关系", "Relation to head", aliases=("与户主的关系", "关系", "relation")),
    Column("status", "居住状态", "Status", aliases=("状态", "居住情况", "residence status")),
    Column("tags", "特殊群体", "Special groups", aliases=("重点人群", "特殊人群", "人群类别", "tags", "groups")),
    Column("notes", "备注", "Notes", aliases=("remarks", "note")),
]
# Columns ledgers often carry that the ledger derives or does not keep: read, then ignored quietly.
IGNORED = [
    Column("_serial", "序号", "No.", aliases=("编号", "serial")),
    Column("_sex", "性别", "Sex"),
    Column("_birth", "出生日期", "Birth date", aliases=("出生年月",)),
    Column("_age", "年龄", "Age"),
]
BY_KEY = {c.key: c for c in COLUMNS}

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

        def problem(key, message, severity="error"):
            problems.append(Problem(number, self.column(key) if key else "", str(message), severity))

        text = {key: cell_text(raw.get(key)) for key in ("compound", "building", "unit", "room", "floor", "relation", "status", "tags")}
        fields = {}

        name = _CJK_SPACE.sub("", cell_text(raw.get("name")))
        if not name:
            problem("name", _("The name is empty."))
        elif len(name) > 60:
            problem("name", _("The name is longer than 60 characters."))
        else:
            fields["name"] = name

        id_raw = raw.get("id_number")
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

        if fields:
            try:
                normalised, warnings = normalise_resident_fields(fields)
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    problem(key if key in BY_KEY else "", " ".join(messages))
                normalised, warnings = None, []
            if normalised is not None and normalised.get("id_number") == EXAMPLE_ID_NUMBER:
                problem("id_number", _("This is the template's example row; delete it before importing."))
            for warning in warnings:
                problem("id_number", warning, "warning")
            if normalised is not None:
                fields = normalised

        room_raw = raw.get("room")
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

        notes = cell_text(raw.get("notes"), keep_spaces=True)
        if notes:
            fields["notes"] = notes

        if text["unit"] and not text["building"]:
            problem("unit", _("A unit is given without a building."))

        if any(p.severity == "error" for p in problems):
            return None, problems
        return Record(number, text["compound"], text["building"], text["unit"], text["room"], floor, fields, tags), problems


# --- resolving areas ----------------------------------------------------------------------------

class AreaResolver:
    """Finds (or plans) the compound / building / unit of a row below the target area."""

    def __init__(self, target: Area, *, user, create_missing: bool):
        self.target, self.user, self.create_missing = target, user, create_missing
        self.compounds, self.buildings, self.units = {}, {}, {}
        self.names = {}
        areas = Area.objects.subtree(target).filter(kind__in=["compound", "building", "unit"]).values_list("pk", "kind", "name", "parent_id", "path")
        self.paths = {}
        for pk, kind, name, parent_id, path in areas:
            self.names[pk], self.paths[pk] = name, path
            if kind == "compound":
                self.compounds.setdefault(area_key(name), []).append(pk)
            elif kind == "building":
                self.buildings[(parent_id, area_key(name))] = pk
            else:
                self.units[(parent_id, area_key(name))] = pk
        self.planned: dict = {}  # (kind, normalised name, parent) -> NewArea, in first-seen order

    def _plan_new(self, kind, name, parent) -> "NewArea":
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

    def resolve(self, record: Record, column) -> tuple[object, Problem | None]:
        def fail(key, message):
            return None, Problem(record.row, column(key), str(message))

        target = self.target
        if record.compound:
            found = self.compounds.get(area_key(record.compound), [])
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
        building = self.buildings.get((compound, area_key(record.building)))
        if building is None:
            if not self.create_missing:
                siblings = [self.names[pk] for (parent, _k), pk in self.buildings.items() if parent == compound]
                return fail("building", _("There is no building “%(name)s” in %(compound)s.%(hint)s Tick “create missing buildings and units” to create it.") % {
                    "name": record.building, "compound": self.names[compound], "hint": self._suggest(record.building, siblings)})
            if not can(self.user, "change", self.paths[compound]):
                return fail("building", _("There is no building “%(name)s” in %(compound)s, and you may not create one there.") % {
                    "name": record.building, "compound": self.names[compound]})
            building = self._plan_new("building", record.building, compound)
        if not record.unit:
            return building, None
        unit = None if isinstance(building, NewArea) else self.units.get((building, area_key(record.unit)))
        if unit is None:
            if not self.create_missing:
                siblings = [self.names[pk] for (parent, _k), pk in self.units.items() if parent == building]
                return fail("unit", _("There is no unit “%(name)s” in building %(building)s.%(hint)s Tick “create missing buildings and units” to create it.") % {
                    "name": record.unit, "building": self.names[building], "hint": self._suggest(record.unit, siblings)})
            unit = self._plan_new("unit", record.unit, building)
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
                  filename="", progress=None, source="import") -> ImportResult:
    """Import the ledger at ``path`` into ``area`` as ``actor`` (a user, or a system actor for
    the command line without --user).

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
        with open_table(path, COLUMNS + IGNORED) as table:
            result.warnings += table.warnings
            plan = _plan(table, area=area, user=actor, create_missing=create_missing, result=result, progress=progress)
    except FileRejected as exc:
        result.rejected, result.details = exc.message, exc.details
        result.problems = []
        result.seconds = time.monotonic() - started
        return result
    result.skipped = result.error_rows
    if dry_run or (strict and result.errors) or not plan.has_work():
        result.created = len(plan.creates)
        result.updated = len(plan.updates)
        result.areas_created = [a.name for a in plan.new_areas]
        result.households_created = len(plan.new_households)
        if strict and result.errors and not dry_run:
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


def _plan(table, *, area, user, create_missing, result, progress) -> Plan:
    cleaner = RowCleaner(table.headers)
    resolver = AreaResolver(area, user=user, create_missing=create_missing)
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
        if record is None:
            continue
        record.area, problem = resolver.resolve(record, cleaner.column)
        if problem:
            problems.append(problem)
            continue
        id_number = record.fields.get("id_number")
        if id_number:
            first = seen_ids.get(id_number)
            if first is not None:
                if first.fields["name"] != record.fields["name"]:
                    problems.append(Problem(number, cleaner.column("id_number"), _(
                        "Row %(first)s has the same ID number with a different name (%(a)s, here %(b)s). Neither row is imported: check which is right."
                    ) % {"first": first.row, "a": first.fields["name"], "b": record.fields["name"]}))
                    if not first.error:
                        first.error = True
                        problems.append(Problem(first.row, cleaner.column("id_number"), _(
                            "Row %(other)s has the same ID number with a different name (%(b)s, here %(a)s). Neither row is imported: check which is right."
                        ) % {"other": number, "a": first.fields["name"], "b": record.fields["name"]}))
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
            ) % {"name": record.fields["name"]}))


def describe(result: ImportResult) -> str:
    """One line for the CLI and the page title."""
    if result.rejected:
        return _("The file was not imported: %(reason)s") % {"reason": result.rejected}
    values = {"rows": result.rows, "created": result.created, "updated": result.updated,
              "unchanged": result.unchanged, "skipped": result.skipped}
    if result.dry_run:
        return _("Dry run: %(rows)s rows read; would create %(created)s, update %(updated)s; %(skipped)s rows have errors. Nothing was saved.") % values
    if not result.written:
        if result.strict and result.errors:
            return _("Nothing was imported: %(skipped)s rows have errors and the import was set to all-or-nothing.") % {"skipped": result.error_rows}
        return _("Nothing to import: %(rows)s rows read, %(skipped)s skipped.") % values
    return _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s skipped (of %(rows)s rows).") % values

