"""Values for the `translations` column of the demo's rows."""

from __future__ import annotations

from django.utils.text import slugify

from .editorjs import editorjs


def bilingual(en: dict, zh: dict) -> dict:
    """The `translations` column: Django language codes to translated fields."""
    return {"en": en, "zh-hans": zh}


def text_fields(name: str, description: str, *, zh: bool) -> dict:
    """Name, slug, description and SEO fields of one language."""
    return {
        "name": name,
        "slug": slugify(name, allow_unicode=zh),
        "description": editorjs(description),
        "seo_title": name,
        "seo_description": description,
    }
