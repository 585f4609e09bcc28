"""Per-store counters behind conversation numbers."""

from __future__ import annotations

from zabota.core.models import Counter, next_value


def test_next_value_is_sequential_per_store_and_name(store, other_store):
    assert [next_value(store_id=store.pk, name="conversation") for _ in range(3)] == [1, 2, 3]
    assert next_value(store_id=other_store.pk, name="conversation") == 1
    assert next_value(store_id=store.pk, name="return") == 1
    assert next_value(store_id=store.pk, name="conversation") == 4
    assert sorted(Counter.objects.values_list("store_id", "name", "value")) == sorted(
        [(store.pk, "conversation", 4), (other_store.pk, "conversation", 1), (store.pk, "return", 1)]
    )
