"""The demo store's people: teams, agents (with logins) and customers with their identities."""

from __future__ import annotations

from dataclasses import dataclass

STORE_NAME = "Пример"
STORE_SLUG = "primer"

TEAM_L1 = "Первая линия"
TEAM_L2 = "Вторая линия"
TEAM_RETURNS = "Возвраты и оплата"

TEAMS: tuple[tuple[str, str], ...] = (
    (TEAM_L1, "Чат, мессенджеры, почта и звонки: первые ответы, статусы заказов, консультации."),
    (TEAM_L2, "Сложные случаи: брак, технические сбои сайта и оплаты, претензии."),
    (TEAM_RETURNS, "Возвраты, обмены, возвраты денег и вопросы по оплате."),
)


@dataclass(frozen=True)
class DemoAgent:
    key: str
    username: str
    password: str
    display_name: str
    role: str
    tier: str
    teams: tuple[str, ...]
    capacity: int
    signature: str


AGENTS: tuple[DemoAgent, ...] = (
    DemoAgent(
        key="admin",
        username="admin",
        password="demo-admin",
        display_name="Андрей Соколов",
        role="admin",
        tier="l2",
        teams=(TEAM_L2,),
        capacity=3,
        signature="С уважением,\nАндрей Соколов, руководитель службы заботы «Пример»",
    ),
    DemoAgent(
        key="lead",
        username="lead",
        password="demo-lead",
        display_name="Наталья Воронцова",
        role="lead",
        tier="l2",
        teams=(TEAM_L1, TEAM_L2),
        capacity=4,
        signature="С уважением,\nНаталья Воронцова, старший специалист",
    ),
    DemoAgent(
        key="olga",
        username="olga",
        password="demo-agent",
        display_name="Ольга Кузнецова",
        role="agent",
        tier="l1",
        teams=(TEAM_L1,),
        capacity=6,
        signature="Хорошего дня!\nОльга, служба заботы «Пример»",
    ),
    DemoAgent(
        key="dmitry",
        username="dmitry",
        password="demo-agent",
        display_name="Дмитрий Орлов",
        role="agent",
        tier="l1",
        teams=(TEAM_L1,),
        capacity=6,
        signature="С уважением,\nДмитрий, служба заботы «Пример»",
    ),
    DemoAgent(
        key="elena",
        username="elena",
        password="demo-agent",
        display_name="Елена Морозова",
        role="agent",
        tier="l1",
        teams=(TEAM_L1, TEAM_RETURNS),
        capacity=5,
        signature="Всего доброго!\nЕлена, отдел возвратов «Пример»",
    ),
    DemoAgent(
        key="sergey",
        username="sergey",
        password="demo-agent",
        display_name="Сергей Павлов",
        role="agent",
        tier="l2",
        teams=(TEAM_L2, TEAM_RETURNS),
        capacity=4,
        signature="С уважением,\nСергей Павлов, вторая линия поддержки",
    ),
)

L1_AGENTS = ("olga", "dmitry", "elena")
L2_AGENTS = ("sergey", "lead")


@dataclass(frozen=True)
class DemoCustomer:
    first_name: str
    last_name: str
    email: str
    phone: str = ""
    telegram: str = ""
    vk: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# Phones are written the way people type them; the actions normalise them to E.164.
CUSTOMERS: tuple[DemoCustomer, ...] = (
    DemoCustomer("Анна", "Смирнова", "anna.smirnova@example.ru", "8 (916) 123-45-67", "anna_smirnova"),
    DemoCustomer("Иван", "Петров", "ivan.petrov@example.ru", "+7 903 555-12-34"),
    DemoCustomer("Мария", "Иванова", "m.ivanova@example.com", "89261234501", "masha_iv"),
    DemoCustomer("Алексей", "Козлов", "kozlov.alex@example.ru"),
    DemoCustomer("Екатерина", "Новикова", "katya.novikova@example.ru", "+7 (921) 700-11-22", vk="id50012345"),
    DemoCustomer("Дмитрий", "Лебедев", "lebedev.d@example.com", "8 985 300 40 50"),
    DemoCustomer("Ольга", "Фёдорова", "olga.fedorova@example.ru", telegram="olga_fed"),
    DemoCustomer("Сергей", "Волков", "s.volkov@example.ru", "+79161112233"),
    DemoCustomer("Татьяна", "Морозова", "tanya.moroz@example.ru", "8 (912) 444-55-66", "tanya_m"),
    DemoCustomer("Николай", "Егоров", "egorov.n@example.com"),
    DemoCustomer("Юлия", "Соловьёва", "yulia.solo@example.ru", "+7 926 010-20-30", vk="id77001234"),
    DemoCustomer("Андрей", "Васильев", "a.vasiliev@example.ru"),
    DemoCustomer("Елена", "Павлова", "elena.pavlova@example.ru", "8 903 222 33 44", "lena_pavlova"),
    DemoCustomer("Максим", "Семёнов", "max.semenov@example.com", "+7 (999) 123-00-11"),
    DemoCustomer("Ирина", "Голубева", "irina.golubeva@example.ru"),
    DemoCustomer("Павел", "Виноградов", "p.vinogradov@example.ru", "8 916 777 88 99", "pavel_vino"),
    DemoCustomer("Наталья", "Богданова", "natalia.b@example.ru", vk="id12093847"),
    DemoCustomer("Артём", "Воробьёв", "artem.vorobev@example.com", "+7 915 432-10-98"),
    DemoCustomer("Светлана", "Фролова", "sveta.frolova@example.ru", "8 (929) 101-02-03"),
    DemoCustomer("Владимир", "Михайлов", "v.mikhailov@example.ru"),
    DemoCustomer("Ксения", "Белова", "ksenia.belova@example.ru", "+7 977 555-44-33", "ksu_belova"),
    DemoCustomer("Роман", "Тарасов", "roman.tarasov@example.com"),
    DemoCustomer("Дарья", "Комарова", "dasha.komarova@example.ru", "8 965 121 21 21", vk="id40400404"),
    DemoCustomer("Михаил", "Орлов", "m.orlov@example.ru", "+7 (901) 234-56-78"),
    DemoCustomer("Алина", "Киселева", "alina.kiseleva@example.ru", telegram="alina_kis"),
    DemoCustomer("Евгений", "Макаров", "evgeny.makarov@example.com", "8 (916) 909-08-07"),
    DemoCustomer("Виктория", "Андреева", "vika.andreeva@example.ru", "+7 925 333-22-11", "vika_and"),
    DemoCustomer("Константин", "Зайцев", "k.zaitsev@example.ru"),
    DemoCustomer("Полина", "Медведева", "polina.medvedeva@example.ru", "8 903 606 70 80"),
    DemoCustomer("Григорий", "Никитин", "g.nikitin@example.com", "+7 (916) 246-81-35", vk="id99887766"),
)
