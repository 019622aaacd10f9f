"""The fast bulk writer keeps bulk_create's promises: computed fields, primary keys, Django's errors."""

import pytest
from django.db import IntegrityError, transaction

from frontline.accounts.models import User
from frontline.core.bulk import SMALL, create_objects, insert_rows
from frontline.core.models import AuditEntry


@pytest.mark.django_db(transaction=True)
def test_objects_get_their_primary_keys_and_stored_values():
    users = create_objects(User, [User(username=f"bulk{i}", first_name="张") for i in range(SMALL + 5)])
    assert [u.pk for u in users] == sorted(u.pk for u in users)
    assert {u.pk: u.username for u in users} == dict(User.objects.filter(username__startswith="bulk").values_list("pk", "username"))
    # The next ordinary insert does not collide with the reserved keys.
    assert User.objects.create(username="after").pk > users[-1].pk


@pytest.mark.django_db(transaction=True)
def test_a_unique_violation_is_djangos_integrity_error_and_writes_nothing():
    with pytest.raises(IntegrityError), transaction.atomic():
        create_objects(User, [User(username="twice")] + [User(username=f"once{i}") for i in range(SMALL)] + [User(username="twice")])
    assert not User.objects.filter(username__in=["twice", "once1"]).exists()


@pytest.mark.django_db(transaction=True)
def test_insert_rows_raises_integrity_error_on_a_missing_reference():
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(AuditEntry, ("actor", "actor_name", "request_id", "source", "action", "model", "object_id", "object_repr",
                                 "area_path", "changes", "reason", "at"),
                    [(987654321, "ghost", "", "web", "create", "x", "1", "x", "", "{}", "", "2022-01-01 00:00:00")])
