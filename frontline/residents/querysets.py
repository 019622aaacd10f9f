from django.db.models import Count

from frontline.core import idnumber, personal, phones
from frontline.core.scoping import ScopedQuerySet, path_q, prefix_q

from .names import normalise_query


class HouseholdQuerySet(ScopedQuerySet):
    def in_area(self, area):
        return self.filter(path_q("area__path", area.path))

    def with_counts(self):
        return self.annotate(resident_count=Count("residents", distinct=True))


class ResidentQuerySet(ScopedQuerySet):
    def in_area(self, area):
        return self.filter(path_q("household__area__path", area.path))

    def with_tag(self, tag):
        return self.filter(pk__in=_tag_model().objects.filter(tag=tag).values("resident_id"))

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
        from .models import NameKey

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
        return self.filter(pk__in=NameKey.objects.filter(prefix_q("key", key)).values("resident_id"))


def _tag_model():
    from .models import ResidentTag

    return ResidentTag
