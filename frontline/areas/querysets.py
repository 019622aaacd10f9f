from frontline.core.scoping import ScopedQuerySet, path_q


class AreaQuerySet(ScopedQuerySet):
    def subtree(self, area):
        """``area`` and everything below it: one index range on ``path``."""
        return self.filter(path_q("path", area.path))

    def of_kind(self, *kinds):
        return self.filter(kind__in=kinds)
