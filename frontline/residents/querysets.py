from django.db.models import Count

from frontline.core import idnumber, personal, phones
from frontline.core.scoping import ScopedQuerySet, prefix_q

from .names import normalise_query


class HouseholdQuerySet(ScopedQuerySet):
    def in_area(self, area):
        return self.within(area.path)

    def with_counts(self):
        return self.annotate(resident_count=Count("residents", distinct=True))


class ResidentRowQuerySet(ScopedQuerySet):
    """Rows that belong to a resident and copy the path of the resident's area (``area_path``):
    search keys and special groups."""

    def name_prefix(self, key):
        return self.filter(prefix_q("key", key))


class ResidentQuerySet(ScopedQuerySet):
    def in_area(self, area):
        return self.within(area.path)

    def tag_rows(self, tag):
        """The special-group rows of ``tag`` inside this queryset's subtrees (one index range each)."""
        return _tag_model().objects.filter(tag=tag).filter(self.scope_q())

    def name_key_rows(self, key):
        """The search keys starting with ``key`` inside this queryset's subtrees."""
        from .models import NameKey

        return NameKey.objects.name_prefix(key).filter(self.scope_q())

    def with_tag(self, tag):
        return self.filter(pk__in=self.tag_rows(tag).values("resident_id"))

    def by_id_number(self, raw):
        """Exact lookup through the keyed hash; accepts 15-digit, lowercase x, full-width input."""
        try:
            number = idnumber.parse(raw).number
        except idnumber.IDNumberError:
            number = idnumber.clean_raw(raw)
        return self.filter(id_number_hash=personal.lookup_hash("id", number))

    def by_phone(self, raw):
        return self.filter(phone_hash=personal.lookup_hash("phone", phones.normalise(raw)))

    def search(self, text):
        """Name or name prefix, full pinyin or initials prefix, phone tail (4 digits), full phone, ID number."""
        text = (text or "").strip()
        if not text:
            return self
        cleaned = idnumber.clean_raw(text)
        if len(cleaned) >= 15 and cleaned[:15].isdigit():
            return self.by_id_number(cleaned)
        if cleaned.isdigit():
            if len(cleaned) == 11:
                return self.filter(phone_hash=personal.lookup_hash("phone", cleaned))
            if len(cleaned) == 4:
                return self.filter(phone_tail=cleaned)
            return self.none()
        key = normalise_query(text) if text.isascii() else text.replace(" ", "")
        if not key:
            return self.none()
        return self.filter(pk__in=self.name_key_rows(key).values("resident_id"))


def _tag_model():
    from .models import ResidentTag

    return ResidentTag
