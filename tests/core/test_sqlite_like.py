"""Case-insensitive search works for Cyrillic on both databases."""

from __future__ import annotations

import pytest

from tests.factories import make_customer
from zabota.core.sqlite import unicode_like
from zabota.customers.models import Customer


@pytest.mark.parametrize(
    ("pattern", "value", "escape", "expected"),
    [
        ("%иван%", "Иван Петров", None, True),
        ("%ПЕТР%", "Иван Петров", None, True),
        ("%ёж%", "Ёжик", None, True),
        ("иван", "Иван Петров", None, False),
        ("и_ан%", "Иван", None, True),
        ("%50\\%%", "скидка 50%", "\\", True),
        ("%50\\%%", "скидка 500", "\\", False),
        ("%a%", None, None, None),
    ],
    ids=[
        "contains",
        "upper-pattern",
        "yo",
        "whole-value",
        "underscore",
        "escaped-percent",
        "escaped-miss",
        "null",
    ],
)
def test_unicode_like(pattern, value, escape, expected):
    assert unicode_like(pattern, value, escape) is expected


def test_icontains_finds_cyrillic_names_regardless_of_case(store):
    make_customer(store, name="Иван Петров")
    make_customer(store, name="Мария Иванова")
    make_customer(store, name="Пётр Сидоров")
    found = Customer.objects.for_store(store).filter(name__icontains="ИВАН").order_by("name")
    assert list(found.values_list("name", flat=True)) == ["Иван Петров", "Мария Иванова"]
