"""The one scoping mechanism (DESIGN.md §5).

A user holds roles on areas; each role grants actions. ``Model.objects.restrict(user, action)``
keeps the rows whose area lies in a subtree where the user holds a role granting ``action``.
Every model that can be scoped names the path of its area with ``scope_path``. Views, the API,
form choices, imports, exports and reports all go through ``restrict``; a row outside scope is
404, the same as one that does not exist.
"""

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


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        paths = user.scope_paths(action)
        if not paths:
            return self.none()
        return self.filter(subtree_q(self.model.scope_path, paths))


def get_scoped_or_404(queryset, user, action="view", **lookup):
    try:
        return queryset.restrict(user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def user_can(user, action: str, path: str) -> bool:
    """Whether ``user`` may do ``action`` on a record whose area path is ``path``."""
    if user.is_superuser:
        return True
    return any(path.startswith(p) for p in user.scope_paths(action))
