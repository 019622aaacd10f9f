"""The one scoping mechanism (DESIGN.md §5).

A user holds roles on areas; each role grants actions. ``Model.objects.restrict(user, action)``
keeps the rows whose area lies in a subtree where the user holds a role granting ``action``.
Every model that can be scoped names the path of its area with ``scope_path``. Views, the API,
form choices, imports, exports and reports all go through ``restrict``; a row outside scope is
404, the same as one that does not exist.
"""

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.http import Http404


def subtree_q(field: str, paths) -> Q:
    """Rows whose ``field`` (an area path) lies in any of the subtrees rooted at ``paths``."""
    q = Q(pk__in=[])
    for path in paths:
        q |= path_q(field, path)
    return q


def path_q(field: str, path: str) -> Q:
    """Rows whose ``field`` (an area path) lies in the subtree of ``path``: one index range.

    Paths are fixed-width digits, which every collation orders alike, so ``path <= field <
    path-successor`` is exact on SQLite and PostgreSQL and is served by the plain index on the
    path, in its order. (On PostgreSQL, LIKE 'path%' was served only by the pattern_ops index:
    a list ordered by path then walked the tree from its start, filtering LIKE row by row, and
    the planner, seeing both forms, misjudged how many rows a subtree holds.)
    """
    return Q(**{f"{field}__gte": path, f"{field}__lt": path_upper_bound(path)})


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose ``field`` starts with ``prefix``, in a form the database's index serves.

    PostgreSQL: ``LIKE 'prefix%'``, served by the ``varchar_pattern_ops`` index Django adds to
    every indexed CharField, whatever the database collation. SQLite compares bytes (BINARY), so
    a range does it: ``field >= prefix AND field < prefix-successor``; its LIKE would not use
    the index because it ignores case.
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix_upper_bound(prefix)})


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string after every string that starts with ``prefix`` (code-point order)."""
    return prefix + "\U0010ffff"


def path_upper_bound(path: str) -> str:
    """The smallest path after the whole subtree of ``path`` (paths are digits)."""
    digits = list(path)
    i = len(digits) - 1
    while i >= 0 and digits[i] == "9":
        digits[i] = "0"
        i -= 1
    if i < 0:
        return "~"
    digits[i] = str(int(digits[i]) + 1)
    return "".join(digits)


def minimal_paths(paths) -> list[str]:
    """Drop paths that lie inside another path of the list."""
    result = []
    for path in sorted(set(paths)):
        if not result or not path.startswith(result[-1]):
            result.append(path)
    return result


def narrow_paths(paths, path: str) -> list[str]:
    """The subtrees common to ``paths`` (None: everywhere) and the subtree of ``path``."""
    if paths is None:
        return [path]
    return minimal_paths([path if path.startswith(p) else p for p in paths if path.startswith(p) or p.startswith(path)])


class ScopedQuerySet(models.QuerySet):
    """``restrict`` keeps the subtrees it filtered by (``scope_paths``; None when unrestricted),
    and ``within`` narrows them, so that a query on a table that copies the area path (a
    resident's search keys and special groups) can be limited to the same subtrees with
    ``scope_q`` instead of starting from every match in the city."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope_paths = None

    def _clone(self):
        clone = super()._clone()
        clone.scope_paths = self.scope_paths
        return clone

    # scope_paths must cover every row the queryset can give: filters only narrow, but a union
    # spans both sides' subtrees (or everything, if either side is unlimited).
    def _union_scope(self, other, combined):
        paths = (self.scope_paths, getattr(other, "scope_paths", None))
        combined.scope_paths = None if None in paths else minimal_paths([*paths[0], *paths[1]])
        return combined

    def __or__(self, other):
        return self._union_scope(other, super().__or__(other))

    def __xor__(self, other):
        return self._union_scope(other, super().__xor__(other))

    def restrict(self, user, action: str = "view"):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        paths = user.scope_paths(action)
        if not paths:
            return self.none()
        return self.scoped_to(paths)

    def scoped_to(self, paths):
        """Rows in the subtrees rooted at ``paths`` (None: no limit), remembered as the scope:
        e.g. the residents in the scope of a household list, ``Resident.objects.scoped_to(households.scope_paths)``."""
        if paths is None:
            return self
        scoped = self.filter(subtree_q(self.model.scope_path, paths))
        scoped.scope_paths = minimal_paths(paths)
        return scoped

    def within(self, path: str):
        """Rows in the subtree of ``path`` (one index range), remembered like restrict's scope."""
        narrowed = self.filter(path_q(self.model.scope_path, path))
        narrowed.scope_paths = narrow_paths(self.scope_paths, path)
        return narrowed

    def scope_q(self, field: str = "area_path") -> Q:
        """The subtrees this queryset was limited to, as a condition on another table's path column."""
        if self.scope_paths is None:
            return Q()
        return subtree_q(field, self.scope_paths)


MAX_ID = 2**63 - 1


def as_id(value):
    """A record id from a query parameter or a form value: a positive whole number the database
    can hold, else None (``?area=abc`` and ``?area=99999999999999999999`` are ignored, not a 500)."""
    try:
        number = int(str(getattr(value, "pk", value)).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def get_scoped_or_404(queryset, user, action="view", **lookup):
    try:
        return queryset.restrict(user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    except (ValueError, TypeError, OverflowError, ValidationError):
        # A lookup value that is no id at all (junk typed into an address): nothing is there.
        raise Http404 from None


def user_can(user, action: str, path: str) -> bool:
    """Whether ``user`` may do ``action`` on a record whose area path is ``path``."""
    if user.is_superuser:
        return True
    return any(path.startswith(p) for p in user.scope_paths(action))
