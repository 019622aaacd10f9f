import datetime

import pytest

from frontline.core import idnumber

VALID = "11010519491231002X"  # the GB 11643 example number


def test_valid_number_gives_birth_date_and_sex():
    parsed = idnumber.parse(VALID)
    assert parsed.number == VALID
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.warnings == []


def test_lowercase_x_spaces_and_fullwidth_digits_are_accepted():
    assert idnumber.parse("11010519491231002x").number == VALID
    assert idnumber.parse(" 110105 19491231 002X ").number == VALID
    assert idnumber.parse("１１０１０５１９４９１２３１００２Ｘ").number == VALID


def test_fifteen_digit_legacy_number_is_converted():
    parsed = idnumber.parse("110105491231002")
    assert parsed.number == VALID
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert idnumber.parse(parsed.number).number == parsed.number


@pytest.mark.parametrize(
    "raw, rule",
    [
        ("11010519491231002", "format"),  # 17 characters
        ("1101051949123100211", "format"),  # 19 characters
        ("11010519491231002A", "format"),
        ("", "format"),
        ("6.10103E+17", "format"),  # Excel's scientific notation
        ("110105194913310021", "date"),  # month 13
        ("110105190002300021", "date"),  # 30 February
        ("110105209912310021", "date"),  # in the future
        ("110105194912310021", "check"),  # last digit should be X
    ],
)
def test_bad_numbers_name_the_rule(raw, rule):
    with pytest.raises(idnumber.IDNumberError) as err:
        idnumber.parse(raw)
    assert err.value.rule == rule
    assert str(err.value)


def test_wrong_check_digit_message_gives_the_expected_digit():
    with pytest.raises(idnumber.IDNumberError) as err:
        idnumber.parse("110105194912310021")
    assert "X" in str(err.value)


def test_unknown_area_code_is_a_warning_not_an_error():
    first17 = "99999919800101001"
    parsed = idnumber.parse(first17 + idnumber.check_digit(first17))
    assert parsed.warnings
    # stdnum raises KeyError on this one; it must not escape.
    first17 = "62020119900101001"
    assert idnumber.parse(first17 + idnumber.check_digit(first17)).number.startswith("620201")


def test_mask_keeps_area_and_last_four():
    assert idnumber.mask(VALID) == "110105********002X"
    assert idnumber.mask("") == ""
