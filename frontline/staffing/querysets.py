from django.utils import timezone

from frontline.core.scoping import ScopedQuerySet

__all__ = ["ScopedQuerySet", "ShiftQuerySet"]


class ShiftQuerySet(ScopedQuerySet):
    def published(self):
        return self.filter(roster__status="published")

    def upcoming(self, now=None):
        return self.filter(ends_at__gt=now or timezone.now())
