"""Failed tasks page: store admins only, their store's rows only (global rows for superusers), retry, discard."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend
from django_tasks_db.models import DBTaskResult

from tests.factories import make_agent
from zabota.core.models import DeadLetter
from zabota.core.worker import beat


@pytest.fixture(autouse=True)
def _clean():
    default_task_backend.clear()  # type: ignore[attr-defined]
    yield
    default_task_backend.clear()  # type: ignore[attr-defined]


def letter(store=None, **kwargs) -> DeadLetter:
    now = timezone.now()
    values = {
        "task_path": "tests.core.worker_tasks.flaky",
        "kwargs": {"store_id": store.pk if store else None, "note": "x"},
        "exception_class": "builtins.RuntimeError",
        "error": "boom x",
        "traceback": "Traceback …\nRuntimeError: boom x",
        "attempts": 3,
        "first_failed_at": now,
        "last_failed_at": now,
    }
    return DeadLetter.objects.create(store=store, **{**values, **kwargs})


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_only_store_admins(client, request, store, role):
    client.force_login(request.getfixturevalue(role).user)
    row = letter(store)
    responses = [
        client.get(reverse("core:dead_letters")),
        client.post(reverse("core:dead_letter_retry", args=[row.pk])),
        client.post(reverse("core:dead_letter_discard", args=[row.pk])),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    row.refresh_from_db()
    assert row.status == "open"


def test_anonymous_goes_to_login(client, db):
    response = client.get(reverse("core:dead_letters"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admin_sees_own_store_rows_only(client, admin, store, other_store):
    mine = letter(store, error="boom mine")
    theirs = letter(other_store, error="boom theirs")
    global_row = letter(None, error="boom global")
    client.force_login(admin.user)
    response = client.get(reverse("core:dead_letters"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="dead-letter-{mine.pk}"' in html
    assert "boom mine" in html
    assert f'id="dead-letter-{theirs.pk}"' not in html
    assert f'id="dead-letter-{global_row.pk}"' not in html
    assert 'id="workers"' not in html


def test_superuser_admin_also_sees_global_rows_and_workers(client, admin, store):
    admin.user.is_superuser = True
    admin.user.save(update_fields=["is_superuser"])
    global_row = letter(None, error="boom global")
    beat("host-1-abc", now=timezone.now(), queues="*")
    client.force_login(admin.user)
    html = client.get(reverse("core:dead_letters")).content.decode()
    assert f'id="dead-letter-{global_row.pk}"' in html
    assert "host-1-abc" in html
    assert 'id="jobs"' in html


def test_page_lists_results_the_worker_marked_failed(client, admin, store):
    DBTaskResult.objects.create(
        status="FAILED",
        args_kwargs={"args": [], "kwargs": {"store_id": store.pk}},
        task_path="tests.core.worker_tasks.always_fails",
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        finished_at=timezone.now(),
        exception_class_path="builtins.ValueError",
        traceback="Traceback\nValueError: not reliable\n",
    )
    client.force_login(admin.user)
    html = client.get(reverse("core:dead_letters")).content.decode()
    assert "always_fails" in html
    assert "ValueError: not reliable" in html


def test_retry_enqueues_the_task_again_and_marks_the_row(client, admin, store):
    row = letter(store, kwargs={"store_id": store.pk, "note": "x", "_zabota_attempt": 3})
    client.force_login(admin.user)
    response = client.post(reverse("core:dead_letter_retry", args=[row.pk]), follow=True)
    assert response.status_code == 200
    assert "The task was queued again." in response.content.decode()
    [queued] = default_task_backend.results  # type: ignore[attr-defined]
    assert (queued.task.name, queued.args, queued.kwargs) == (
        "flaky",
        [],
        {"store_id": store.pk, "note": "x"},
    )
    row.refresh_from_db()
    assert (row.status, row.retry_task_id, row.resolved_by) == ("retried", queued.id, admin.display_name)
    # a second click does not queue it twice
    response = client.post(reverse("core:dead_letter_retry", args=[row.pk]), follow=True)
    assert "This failed task was already handled." in response.content.decode()
    assert len(default_task_backend.results) == 1  # type: ignore[attr-defined]


def test_retry_of_a_task_that_no_longer_exists_is_a_clear_error(client, admin, store):
    row = letter(store, task_path="zabota.nowhere.gone")
    client.force_login(admin.user)
    response = client.post(reverse("core:dead_letter_retry", args=[row.pk]), follow=True)
    assert "The task no longer exists in this version." in response.content.decode()
    row.refresh_from_db()
    assert row.status == "open"


def test_discard(client, admin, store):
    row = letter(store)
    client.force_login(admin.user)
    client.post(reverse("core:dead_letter_discard", args=[row.pk]))
    row.refresh_from_db()
    assert row.status == "discarded"
    html = client.get(reverse("core:dead_letters")).content.decode()
    assert f'id="dead-letter-{row.pk}"' not in html
    html = client.get(reverse("core:dead_letters") + "?show=all").content.decode()
    assert f'id="dead-letter-{row.pk}"' in html


@pytest.mark.parametrize("action", ["core:dead_letter_retry", "core:dead_letter_discard"])
def test_other_store_and_global_rows_are_404(client, admin, other_store, action):
    theirs = letter(other_store)
    global_row = letter(None)
    client.force_login(admin.user)
    assert client.post(reverse(action, args=[theirs.pk])).status_code == 404
    assert client.post(reverse(action, args=[global_row.pk])).status_code == 404
    assert set(DeadLetter.objects.values_list("status", flat=True)) == {"open"}
    assert default_task_backend.results == []  # type: ignore[attr-defined]


def test_admin_of_another_store_membership_sees_that_store_only(client, store, other_store):
    other_admin = make_agent(other_store, role="admin")
    mine = letter(store)
    client.force_login(other_admin.user)
    html = client.get(reverse("core:dead_letters")).content.decode()
    assert f'id="dead-letter-{mine.pk}"' not in html
