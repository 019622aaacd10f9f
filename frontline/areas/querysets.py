from frontline.core.scoping import ScopedQuerySet, prefix_q


class AreaQuerySet(ScopedQuerySet):
    def subtree(self, area):
        """``area`` and everything below it: one index range on ``path``."""
        return self.filter(prefix_q("path", area.path))

    def of_kind(self, *kinds):
        return self.filter(kind__in=kinds)
