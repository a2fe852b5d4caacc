from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "marquee.members"
    label = "members"
    verbose_name = "Members"
