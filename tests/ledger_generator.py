"""A realistic residents ledger, the way a community office keeps one in WPS or Excel.

``build(path, n, kind="xlsx"|"csv", bad=...)`` writes a ledger of ``n`` data rows with what such
files carry: a title row and a "填报单位 … 填报日期" row above the header, header synonyms
(公民身份号码, 联系电话, 门牌号, 院落名称), ID numbers typed with a leading apostrophe (and, in
the CSV, with ``="…"`` and a leading tab), compound names written without the district's prefix
(``畜牧局家属院`` for ``盐湖区畜牧局家属院``), buildings written as ``3`` or ``3栋`` for
``3号楼``, blank rows, pre-numbered empty rows at the end, a remarks column and a second one the
import does not keep, columns the import ignores (序号, 性别, 民族, 出生日期), a signature line
at the bottom, and a known number of genuinely bad rows. The CSV is written in GBK, as WPS on a
Chinese Windows does.

``Ledger`` says what was written: the valid people (by ID number), the bad rows (row number as
Excel shows it → what is wrong), and the short compound names the import should suggest.
"""

import csv
import dataclasses
import datetime
import io
import random

import openpyxl

from frontline.core import idnumber

DISTRICT = "盐湖区"
# Stored name in Frontline → how the ledger writes it.
COMPOUNDS = {
    "盐湖区畜牧局家属院": "畜牧局家属院",
    "盐湖区供电公司家属院": "供电公司家属院",
    "学苑小区": "学苑小区",
}
BUILDINGS = 4  # per compound: 1号楼 … 4号楼, each with 2 units
AREA_CODES = ("140802", "140821", "140822", "142701", "610103")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
DOUBLE_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文华玉兰红梅志强晓东海燕春梅国庆建国玉珍淑珍凤英"
RELATIONS = ("户主", "配偶", "子女", "儿子", "女儿", "父亲", "母亲", "孙子", "儿媳")
TAGS = ("", "", "", "", "", "", "独居老人", "慢性病", "残疾人", "低保户", "孕妇", "慢性病、残疾人")
REMARKS = ("", "", "", "", "", "已接种三针", "租户，房东王某", "电话常打不通", "长期在外地务工", "行动不便")

HEADER = ["序号", "院落名称", "楼栋", "单元", "门牌号", "姓名", "性别", "民族", "公民身份号码", "出生日期",
          "联系电话", "与户主关系", "人员类别", "备注", "其他备注"]


@dataclasses.dataclass
class Ledger:
    path: object
    rows: int  # data rows written (people, good and bad; not blanks, title or signature)
    valid: dict  # ID number -> name, of the rows that must import
    bad: dict  # row number (as Excel shows it) -> the columns that are wrong
    short_names: dict  # name in the sheet -> stored compound name (the suggestions expected)


def _id_number(rnd, used) -> str:
    while True:
        birth = datetime.date(1935, 1, 1) + datetime.timedelta(days=rnd.randrange(0, 31000))
        first17 = f"{rnd.choice(AREA_CODES)}{birth:%Y%m%d}{rnd.randrange(0, 1000):03d}"
        number = first17 + idnumber.check_digit(first17)
        if number not in used:
            used.add(number)
            return number


def _name(rnd) -> str:
    surname = rnd.choice(DOUBLE_SURNAMES) if rnd.random() < 0.03 else rnd.choice(SURNAMES)
    return surname + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2, 2))))


def _phone(rnd, used) -> str:
    while True:
        phone = rnd.choice(("139", "138", "150", "187", "135")) + f"{rnd.randrange(10**8):08d}"
        if phone not in used:
            used.add(phone)
            return phone


def _bad_kinds():
    # What goes wrong in a real ledger, each making its row(s) fail.
    return ["check_digit", "short_id", "excel_number", "bad_phone_and_id", "no_name", "unknown_compound",
            "bad_date", "twin"]


def generate(n: int, *, bad: int = 12, seed: int = 8):
    """(rows, Ledger fields) for ``n`` data rows of which ``bad`` (at least) are genuinely bad."""
    rnd = random.Random(seed)
    used_ids, used_phones, used_people = set(), set(), set()
    kinds = _bad_kinds()
    bad_at = set(rnd.sample(range(5, max(n - 5, 6)), min(bad, max(n - 10, 0))))
    people, valid, bad_rows = [], {}, {}
    compounds = list(COMPOUNDS.items())
    room_people = {}
    for index in range(n):
        stored, written = compounds[index % len(compounds)]
        building = 1 + (index // 3) % BUILDINGS
        unit = 1 + (index // 12) % 2
        room = f"{1 + (index // 24) % 6}0{1 + (index // 7) % 2}"
        key = (stored, building, unit, room)
        relation = "户主" if key not in room_people else rnd.choice(RELATIONS[1:])
        room_people[key] = room_people.get(key, 0) + 1
        number = _id_number(rnd, used_ids)
        name = _name(rnd)
        while (key, name) in used_people:
            name = _name(rnd)
        used_people.add((key, name))
        phone = _phone(rnd, used_phones) if rnd.random() < 0.8 else ""
        building_text = rnd.choice((f"{building}号楼", f"{building}号楼", f"{building}栋", str(building)))
        unit_text = rnd.choice((f"{unit}单元", f"{unit}单元", str(unit)))
        person = {
            "compound": written, "building": building_text, "unit": unit_text, "room": room, "name": name,
            "sex": "男" if int(number[16]) % 2 else "女", "nation": "汉族", "id_number": number,
            "birth": f"{number[6:10]}-{number[10:12]}-{number[12:14]}", "phone": phone,
            "relation": relation, "tags": rnd.choice(TAGS), "notes": rnd.choice(REMARKS),
            "remarks2": rnd.choice(("", "", "核酸已做", "已摸排")), "bad": None,
        }
        if index in bad_at:
            kind = kinds[len(bad_rows) % len(kinds)]
            person["bad"] = kind
            if kind == "check_digit":
                person["id_number"] = number[:17] + ("0" if number[17] != "0" else "1")
            elif kind == "short_id":
                person["id_number"] = number[:17]
            elif kind == "excel_number":
                person["id_number"] = float(number[:17] + "0") if number[17] != "X" else float(number[:17] + "1")
            elif kind == "bad_phone_and_id":
                person["id_number"] = number[:17] + ("0" if number[17] != "0" else "1")
                person["phone"] = "1391234567"
            elif kind == "no_name":
                person["name"] = ""
            elif kind == "unknown_compound":
                person["compound"] = "幸福花园"
            elif kind == "bad_date":
                first17 = number[:6] + "19991341" + number[14:17]
                person["id_number"] = first17 + idnumber.check_digit(first17)
            elif kind == "twin":
                # The next row repeats this ID number under another name: neither imports.
                person["twin"] = True
            bad_rows[index] = kind
        people.append(person)
    # twins: give the person after a "twin" the same ID number with another name
    for index, person in enumerate(people):
        if person.get("twin") and index + 1 < len(people) and not people[index + 1]["bad"]:
            if people[index + 1]["name"] == person["name"]:
                people[index + 1]["name"] += "华"
            people[index + 1]["id_number"] = person["id_number"]
            people[index + 1]["bad"] = "twin"
            bad_rows[index + 1] = "twin"
        elif person.get("twin"):
            person["bad"] = None
            del bad_rows[index]
    for person in people:
        if not person["bad"]:
            valid[person["id_number"]] = person["name"]
    return people, valid, bad_rows


def _sheet_rows(people, rnd, *, csv_style=False):
    """(kind, values) rows: title, meta, header, data (with blanks), trailing numbered blanks, signature."""
    lines = [("title", ["盐湖区东城街道八一社区居民信息登记台账"] + [""] * (len(HEADER) - 1)),
             ("meta", ["填报单位：八一社区居委会", "", "", "", "", "", "", "", "", "", "填报日期：2022年1月5日"] + [""] * (len(HEADER) - 11)),
             ("header", list(HEADER))]
    serial = 0
    for index, person in enumerate(people):
        if index and index % 37 == 0:
            lines.append(("blank", [""] * len(HEADER)))
        serial += 1
        number = person["id_number"]
        if isinstance(number, str) and number:
            style = rnd.random()
            if csv_style:
                number = f'="{number}"' if style < 0.4 else ("\t" + number if style < 0.7 else "'" + number)
            else:
                number = "'" + number if style < 0.7 else number
        phone = person["phone"]
        if phone and not csv_style and rnd.random() < 0.3:
            phone = int(phone)  # typed into a number cell
        elif phone and rnd.random() < 0.1:
            phone = f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
        lines.append((("bad" if person["bad"] else "person"), [
            serial, person["compound"], person["building"], person["unit"], person["room"], person["name"],
            person["sex"], person["nation"], number, person["birth"], phone, person["relation"], person["tags"],
            person["notes"], person["remarks2"],
        ]))
    for _ in range(20):  # the form was pre-numbered further than it was filled
        serial += 1
        lines.append(("blank", [serial] + [""] * (len(HEADER) - 1)))
    lines.append(("footer", ["填表人：刘晓燕        审核人：王建国        联系电话：0359-2021234"] + [""] * (len(HEADER) - 1)))
    return lines


def build(path, n: int, *, kind: str = "xlsx", bad: int = 12, seed: int = 8) -> Ledger:
    """Write the ledger to ``path`` and say what is in it (see the module's docstring)."""
    rnd = random.Random(seed + 1)
    people, valid, bad_by_index = generate(n, bad=bad, seed=seed)
    lines = _sheet_rows(people, rnd, csv_style=(kind == "csv"))
    bad_rows, person_index = {}, 0
    for number, (line_kind, _values) in enumerate(lines, start=1):
        if line_kind in ("person", "bad"):
            if line_kind == "bad":
                bad_rows[number] = bad_by_index[person_index]
            person_index += 1
    if kind == "xlsx":
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "居民台账"
        for _line_kind, values in lines:
            sheet.append(["" if v == "" else v for v in values])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        workbook.save(path)
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for _line_kind, values in lines:
            writer.writerow(["" if v is None else v for v in values])
        with open(path, "wb") as out:
            out.write(buffer.getvalue().encode("gbk"))
    short = {written: stored for stored, written in COMPOUNDS.items() if written != stored}
    return Ledger(path=path, rows=len(people), valid=valid, bad=bad_rows, short_names=short)


def make_areas():
    """The tree the ledger belongs to: 运城市 › 盐湖区 › 东城街道 › 八一社区, and the compounds the
    ledger names stored under their full names, each with 1号楼 … 4号楼 and 1单元, 2单元.
    Returns the community."""
    from tests.factories import area

    city = area("运城市", "city")
    district = area(DISTRICT, "district", city)
    street = area("东城街道", "street", district)
    community = area("八一社区", "community", street)
    for stored in COMPOUNDS:
        compound = area(stored, "compound", community)
        for b in range(1, BUILDINGS + 1):
            building = area(f"{b}号楼", "building", compound)
            for u in (1, 2):
                area(f"{u}单元", "unit", building)
    return community
