"""Attributes: Saleor's deprecated `SelectedAttribute` list and its typed `AssignedAttribute`."""

from dataclasses import dataclass

import graphene
from graphene import relay

from marquee.merch.models import AttributeInputType

from ...core.dataloaders import then
from ...core.types import File
from ...core.types import language_code as to_language_code
from .context import ChannelContext
from .translations import (
    AttributeTranslation,
    AttributeValueTranslation,
    resolve_translation,
    translation_field,
)

AttributeInputTypeEnum = graphene.Enum(
    "AttributeInputTypeEnum",
    [
        ("DROPDOWN", "dropdown"),
        ("MULTISELECT", "multiselect"),
        ("FILE", "file"),
        ("REFERENCE", "reference"),
        ("SINGLE_REFERENCE", "single-reference"),
        ("NUMERIC", "numeric"),
        ("RICH_TEXT", "rich-text"),
        ("PLAIN_TEXT", "plain-text"),
        ("SWATCH", "swatch"),
        ("BOOLEAN", "boolean"),
        ("DATE", "date"),
        ("DATE_TIME", "date-time"),
    ],
)


class AttributeTypeEnum(graphene.Enum):
    PRODUCT_TYPE = "product-type"
    PAGE_TYPE = "page-type"


class VariantAttributeScope(graphene.Enum):
    ALL = "all"
    VARIANT_SELECTION = "variant_selection"
    NOT_VARIANT_SELECTION = "not_variant_selection"


class Attribute(graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    type = graphene.Field(AttributeTypeEnum, required=True)
    input_type = graphene.Field(AttributeInputTypeEnum)
    unit = graphene.String()
    value_required = graphene.Boolean(required=True)
    visible_in_storefront = graphene.Boolean(required=True)
    filterable_in_storefront = graphene.Boolean(required=True)
    storefront_search_position = graphene.Int(required=True)
    with_choices = graphene.Boolean(required=True)
    translation = translation_field(AttributeTranslation)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_value_required(_root, _info):
        return False

    @staticmethod
    def resolve_with_choices(root, _info):
        return root.input_type in {
            AttributeInputType.DROPDOWN,
            AttributeInputType.MULTISELECT,
            AttributeInputType.SWATCH,
        }

    @staticmethod
    def resolve_translation(root, _info, language_code):
        return resolve_translation(root, language_code, "Attribute")


class AttributeValue(graphene.ObjectType):
    name = graphene.String()
    slug = graphene.String()
    value = graphene.String(description="Represents the value of the attribute value (e.g. hex).")
    input_type = graphene.Field(AttributeInputTypeEnum)
    file = graphene.Field(File)
    plain_text = graphene.String()
    boolean = graphene.Boolean()
    date = graphene.Date()
    date_time = graphene.DateTime()
    reference = graphene.ID()
    translation = translation_field(AttributeValueTranslation)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_input_type(root, _info):
        return root.attribute.input_type

    @staticmethod
    def resolve_file(root, _info):
        return File(url=root.file_url) if root.file_url else None

    @staticmethod
    def resolve_plain_text(root, _info):
        return root.plain_text or None

    @staticmethod
    def resolve_value(root, _info):
        if root.numeric is not None:
            return str(root.numeric.normalize())
        return root.value or None

    @staticmethod
    def resolve_date(_root, _info):
        return None  # no date attributes in the catalogue yet

    @staticmethod
    def resolve_date_time(_root, _info):
        return None

    @staticmethod
    def resolve_reference(root, _info):
        if root.reference_collection_id:
            return relay.Node.to_global_id("Collection", root.reference_collection_id)
        return None

    @staticmethod
    def resolve_translation(root, _info, language_code):
        return resolve_translation(root, language_code, "AttributeValue")


class SelectedAttribute(graphene.ObjectType):
    attribute = graphene.Field(Attribute, required=True)
    values = graphene.NonNull(graphene.List(graphene.NonNull(AttributeValue)))


@dataclass
class Assigned:
    """An attribute with the values an object carries, typed by input type."""

    attribute: object
    values: list


def selected_attributes(type_attributes, values) -> list[SelectedAttribute]:
    """Every attribute of the product type, in its order, with the object's values."""
    by_attribute = {}
    for value in values:
        by_attribute.setdefault(value.attribute_id, []).append(value)
    return [
        SelectedAttribute(attribute=ta.attribute, values=by_attribute.get(ta.attribute_id, []))
        for ta in type_attributes
    ]


def assigned_attributes(values, limit=None) -> list[Assigned]:
    """Attributes that actually carry a value, in the order values were assigned."""
    grouped: dict = {}
    for value in values:
        grouped.setdefault(value.attribute_id, Assigned(value.attribute, [])).values.append(value)
    return list(grouped.values())[: limit or None]


def assigned_attribute(values, slug) -> Assigned | None:
    return next((a for a in assigned_attributes(values) if a.attribute.slug == slug), None)


def resolve_assigned_attributes(values_loader, owner_id, limit=None):
    """`assignedAttributes(limit:)` of any owner, from its assigned-values loader."""
    return then(values_loader.load(owner_id), lambda v: assigned_attributes(v, limit=limit))


def resolve_assigned_attribute(values_loader, owner_id, slug):
    """`assignedAttribute(slug:)` of any owner, from its assigned-values loader."""
    return then(values_loader.load(owner_id), lambda v: assigned_attribute(v, slug))


class AssignedAttribute(graphene.Interface):
    attribute = graphene.Field(Attribute, required=True)

    @classmethod
    def resolve_type(cls, instance, _info):
        return ASSIGNED_TYPES.get(instance.attribute.input_type, AssignedSingleChoiceAttribute)


def _choice_translation(value, language):
    translated = value.translation_for(to_language_code(language))
    return (translated or {}).get("name")


class AssignedChoiceAttributeValue(graphene.ObjectType):
    name = graphene.String()
    slug = graphene.String()
    translation = graphene.String(
        language_code=graphene.Argument(
            "marquee.graphql.core.types.LanguageCodeEnum", required=True
        )
    )

    @staticmethod
    def resolve_translation(root, _info, language_code):
        return _choice_translation(root, language_code)


class AssignedSwatchAttributeValue(AssignedChoiceAttributeValue):
    hex_color = graphene.String()
    file = graphene.Field(File)

    @staticmethod
    def resolve_hex_color(root, _info):
        return root.value or None

    @staticmethod
    def resolve_file(root, _info):
        return File(url=root.file_url) if root.file_url else None


def _assigned(name, value_field, resolve_value, extra=None):
    attrs = {"value": value_field, "resolve_value": staticmethod(resolve_value)}
    attrs.update(extra or {})
    attrs["Meta"] = type("Meta", (), {"interfaces": (AssignedAttribute,)})
    return type(name, (graphene.ObjectType,), attrs)


def _first(root):
    return root.values[0] if root.values else None


def _plain_text_translation(root, _info, language_code):
    value = _first(root)
    if value is None:
        return None
    return (value.translation_for(to_language_code(language_code)) or {}).get("plain_text")


AssignedSingleChoiceAttribute = _assigned(
    "AssignedSingleChoiceAttribute",
    graphene.Field(AssignedChoiceAttributeValue),
    lambda root, _info: _first(root),
)
AssignedMultiChoiceAttribute = _assigned(
    "AssignedMultiChoiceAttribute",
    graphene.NonNull(graphene.List(graphene.NonNull(AssignedChoiceAttributeValue))),
    lambda root, _info: root.values,
)
AssignedSwatchAttribute = _assigned(
    "AssignedSwatchAttribute",
    graphene.Field(AssignedSwatchAttributeValue),
    lambda root, _info: _first(root),
)
AssignedPlainTextAttribute = _assigned(
    "AssignedPlainTextAttribute",
    graphene.String(),
    lambda root, _info: _first(root).plain_text if _first(root) else None,
    {
        "translation": graphene.String(
            language_code=graphene.Argument(
                "marquee.graphql.core.types.LanguageCodeEnum", required=True
            )
        ),
        "resolve_translation": staticmethod(_plain_text_translation),
    },
)
AssignedBooleanAttribute = _assigned(
    "AssignedBooleanAttribute",
    graphene.Boolean(),
    lambda root, _info: _first(root).boolean if _first(root) else None,
)
AssignedNumericAttribute = _assigned(
    "AssignedNumericAttribute",
    graphene.Float(),
    lambda root, _info: (
        float(_first(root).numeric) if _first(root) and _first(root).numeric is not None else None
    ),
)
AssignedFileAttribute = _assigned(
    "AssignedFileAttribute",
    graphene.Field(File),
    lambda root, _info: File(url=_first(root).file_url) if _first(root) else None,
)
AssignedSingleCollectionReferenceAttribute = _assigned(
    "AssignedSingleCollectionReferenceAttribute",
    graphene.Field("marquee.graphql.merch.types.categories.Collection"),
    lambda root, _info: (
        ChannelContext(_first(root).reference_collection, None)
        if _first(root) and _first(root).reference_collection_id
        else None
    ),
)

ASSIGNED_TYPES = {
    AttributeInputType.DROPDOWN: AssignedSingleChoiceAttribute,
    AttributeInputType.MULTISELECT: AssignedMultiChoiceAttribute,
    AttributeInputType.SWATCH: AssignedSwatchAttribute,
    AttributeInputType.PLAIN_TEXT: AssignedPlainTextAttribute,
    AttributeInputType.BOOLEAN: AssignedBooleanAttribute,
    AttributeInputType.NUMERIC: AssignedNumericAttribute,
    AttributeInputType.FILE: AssignedFileAttribute,
    AttributeInputType.REFERENCE: AssignedSingleCollectionReferenceAttribute,
}
ALL_ASSIGNED_TYPES = list(dict.fromkeys(ASSIGNED_TYPES.values()))
