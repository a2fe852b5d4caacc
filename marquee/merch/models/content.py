"""Content a storefront needs around the catalogue: pages and navigation menus."""

from django.db import models

from marquee.core.models import Publishable, SeoFields, Translatable


class PageType(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name


class Page(Translatable, SeoFields, Publishable):
    page_type = models.ForeignKey(PageType, related_name="pages", on_delete=models.PROTECT)
    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    content = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.title


class Menu(models.Model):
    """A navigation menu; storefronts ask for `navbar` and `footer`."""

    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name


class MenuItem(Translatable):
    menu = models.ForeignKey(Menu, related_name="items", on_delete=models.CASCADE)
    parent = models.ForeignKey(
        "self", null=True, blank=True, related_name="children", on_delete=models.CASCADE
    )
    name = models.CharField(max_length=128)
    sort_order = models.IntegerField(default=0)
    url = models.URLField(max_length=256, blank=True)
    category = models.ForeignKey(
        "merch.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    collection = models.ForeignKey(
        "merch.Collection", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ("sort_order", "pk")

    def __str__(self):
        return self.name
