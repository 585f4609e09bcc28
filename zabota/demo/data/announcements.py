"""The demo store's announcements: a site change, a new product for the first line, a delivery incident."""

from __future__ import annotations

from dataclasses import dataclass

from zabota.demo.data.people import TEAM_L1


@dataclass(frozen=True)
class DemoAnnouncement:
    title: str
    body: str
    kind: str
    severity: str
    starts_hours_ago: int
    ends_in_hours: int | None = None
    teams: tuple[str, ...] = ()
    must_read: bool = False
    public_text: str = ""


SNOW_DELAY = "Из-за снегопада доставка задерживается на 1–2 дня"

ANNOUNCEMENTS: tuple[DemoAnnouncement, ...] = (
    DemoAnnouncement(
        title="Обновили личный кабинет: заказ можно отследить по номеру телефона",
        body=(
            "С понедельника на сайте новый личный кабинет.\n"
            "Покупатель видит статус заказа по номеру телефона, без пароля. "
            "Если кабинет не открывается, просим очистить кэш браузера или зайти со смартфона."
        ),
        kind="site_change",
        severity="info",
        starts_hours_ago=72,
    ),
    DemoAnnouncement(
        title="Новинка: робот-пылесос «Вихрь-7» — что отвечать на частые вопросы",
        body=(
            "В каталоге появился робот-пылесос «Вихрь-7».\n"
            "Гарантия 2 года, сменные щётки есть на складе, влажная уборка — только с насадкой из комплекта."
        ),
        kind="new_product",
        severity="info",
        starts_hours_ago=30,
        teams=(TEAM_L1,),
    ),
    DemoAnnouncement(
        title="Снегопад: задержка доставки по Москве и области",
        body=(
            "Курьерская служба предупредила о задержках из-за снегопада.\n"
            "Заказы с доставкой сегодня и завтра приедут на 1–2 дня позже. "
            "Покупателям, у которых сорвалась дата, предлагаем бесплатную доставку следующего заказа."
        ),
        kind="delay",
        severity="warning",
        starts_hours_ago=3,
        ends_in_hours=48,
        must_read=True,
        public_text=SNOW_DELAY,
    ),
)
