"""Translation types (Saleor's `*Translation`), read from the `translations` column."""

import graphene

from ...core.types import LanguageCodeEnum, LanguageDisplay, language_code


class TranslationLanguage:
    @staticmethod
    def resolve_language(root, _info):
        from django.utils.translation import get_language_info

        code = root["language_code"]
        try:
            name = get_language_info(code)["name"]
        except KeyError:
            name = code
        return LanguageDisplay(code=code.replace("-", "_").upper(), language=name)

    @staticmethod
    def resolve_id(root, _info):
        return f"{root['owner']}:{root['language_code']}"


def translation_type(name: str, fields: dict) -> type:
    attrs = {
        "id": graphene.ID(required=True),
        "language": graphene.Field(LanguageDisplay, required=True),
        "resolve_language": TranslationLanguage.resolve_language,
        "resolve_id": TranslationLanguage.resolve_id,
    }
    for field_name, field in fields.items():
        attrs[field_name] = field
        required = bool(getattr(field, "kwargs", {}).get("required"))
        attrs[f"resolve_{field_name}"] = _dict_resolver(field_name, "" if required else None)
    return type(name, (graphene.ObjectType,), attrs)


def _dict_resolver(field_name, default):
    def resolve(root, _info):
        value = root.get(field_name)
        return default if value is None else value

    return staticmethod(resolve)


def resolve_translation(obj, language, owner: str):
    """The translation dict for `language` (a LanguageCodeEnum value), or None."""
    code = language_code(language)
    values = obj.translation_for(code)
    if values is None:
        return None
    return {**values, "language_code": code, "owner": f"{owner}:{obj.pk}"}


def translation_field(type_):
    return graphene.Field(
        type_,
        language_code=graphene.Argument(
            LanguageCodeEnum,
            required=True,
            description="A language code to return the translation for.",
        ),
        description="Returns translated fields for the given language code.",
    )


ProductTranslation = translation_type(
    "ProductTranslation",
    {
        "name": graphene.String(),
        "slug": graphene.String(),
        "description": graphene.JSONString(),
        "seo_title": graphene.String(),
        "seo_description": graphene.String(),
    },
)
ProductVariantTranslation = translation_type(
    "ProductVariantTranslation", {"name": graphene.String(required=True)}
)
CategoryTranslation = translation_type(
    "CategoryTranslation",
    {
        "name": graphene.String(),
        "slug": graphene.String(),
        "description": graphene.JSONString(),
        "seo_title": graphene.String(),
        "seo_description": graphene.String(),
    },
)
CollectionTranslation = translation_type(
    "CollectionTranslation",
    {
        "name": graphene.String(),
        "slug": graphene.String(),
        "description": graphene.JSONString(),
        "seo_title": graphene.String(),
        "seo_description": graphene.String(),
    },
)
AttributeTranslation = translation_type(
    "AttributeTranslation", {"name": graphene.String(required=True)}
)
AttributeValueTranslation = translation_type(
    "AttributeValueTranslation",
    {"name": graphene.String(required=True), "plain_text": graphene.String()},
)
MenuItemTranslation = translation_type(
    "MenuItemTranslation", {"name": graphene.String(required=True)}
)
PageTranslation = translation_type(
    "PageTranslation",
    {
        "title": graphene.String(),
        "slug": graphene.String(),
        "content": graphene.JSONString(),
        "seo_title": graphene.String(),
        "seo_description": graphene.String(),
    },
)
