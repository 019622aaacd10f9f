"""Plausible people: Chinese names, valid ID numbers, phones, ages and special groups.

Deterministic for a given seed and index, so a generated city is the same every time and every
ID number and phone is unique without a lookup.
"""

import datetime
import random

from frontline.core import idnumber

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单解仇"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬燕彬鹏辉斌浩宇欣怡子轩梓涵雨泽晨"
    "博文佳琪思远建国建军志强海燕淑珍凤兰秀珍桂兰小红小明晓东晓燕瑞雪嘉怡俊杰一鸣诗涵梦瑶天佑昊然若曦"
)
# A few real county codes per demo city (all known to python-stdnum).
AREA_CODES = {"yuncheng": ["140802", "140821", "140822"], "xian": ["610112", "610113", "610103", "610111"]}

def name(rnd: random.Random) -> str:
    given = rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.7 else "")
    return rnd.choice(SURNAMES) + given[:2]


class IDNumbers:
    """Unique, valid ID numbers: a counter per (county, birth day) picks the serial digits."""

    def __init__(self, codes):
        self.codes = codes
        self.used = {}

    def make(self, index: int, birth: datetime.date, sex: str) -> str:
        code = self.codes[index % len(self.codes)]
        n = self.used.get((code, birth), 0)
        self.used[(code, birth)] = n + 1
        serial, odd_even = divmod(n, 5)
        if serial > 99:  # 500 people of one sex born in one county on one day: move a day on
            return self.make(index, birth + datetime.timedelta(days=1), sex)
        first17 = f"{code}{birth:%Y%m%d}{serial:02d}{odd_even * 2 + (1 if sex == 'M' else 0)}"
        return first17 + idnumber.check_digit(first17)


def birth_for_age(rnd: random.Random, age: int, today: datetime.date) -> datetime.date:
    start = today - datetime.timedelta(days=int((age + 1) * 365.25) - 1)
    return start + datetime.timedelta(days=rnd.randrange(0, 365))


def random_age(rnd: random.Random) -> int:
    """An age pyramid close to a Chinese city's: ~2% under 3, ~20% over 60."""
    x = rnd.random()
    if x < 0.025:
        return rnd.randrange(0, 3)
    if x < 0.16:
        return rnd.randrange(3, 18)
    if x < 0.80:
        return rnd.randrange(18, 60)
    if x < 0.95:
        return rnd.randrange(60, 75)
    return rnd.randrange(75, 96)


def phone(index: int) -> str:
    prefixes = ["135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187", "188"]
    return prefixes[index % len(prefixes)] + f"{index // len(prefixes):08d}"[-8:]


def age_on(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def tags_for(rnd: random.Random, age: int, sex: str, household_size: int, today: datetime.date) -> list[tuple[str, datetime.date | None]]:
    """Special groups in roughly the proportions a community ledger shows."""
    tags = []
    if age < 3:
        tags.append(("infant", None))
    if age >= 60 and household_size == 1:
        tags.append(("elderly_alone", None))
    if sex == "F" and 22 <= age <= 40 and rnd.random() < 0.04:
        tags.append(("pregnant", today + datetime.timedelta(days=rnd.randrange(20, 260))))
    if rnd.random() < 0.02:
        tags.append(("disabled", None))
    if age >= 45 and rnd.random() < 0.05:
        tags.append(("chronic", None))
    if age >= 75 and rnd.random() < 0.06:
        tags.append(("bedridden", None))
    if 18 <= age <= 55 and rnd.random() < 0.06:
        tags.append(("migrant_tenant", None))
    if rnd.random() < 0.02:
        tags.append(("hardship", None))
    return tags


def status(rnd: random.Random) -> str:
    x = rnd.random()
    return "present" if x < 0.92 else "away" if x < 0.97 else "moved_out" if x < 0.99 else "deceased"
