from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "zabota.customers"
    label = "customers"
    verbose_name = "Customers"
