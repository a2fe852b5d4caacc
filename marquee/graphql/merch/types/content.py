"""Menus and pages: the navigation and content around the catalogue."""

import graphene
from graphene import relay

from ...core.dataloaders import gather, then
from .. import dataloaders as loaders
from .attributes import (
    AssignedAttribute,
    SelectedAttribute,
    assigned_attributes,
    resolve_assigned_attribute,
    resolve_assigned_attributes,
)
from .context import ChannelContext, node_attribute_resolver
from .translations import (
    MenuItemTranslation,
    PageTranslation,
    resolve_translation,
    translation_field,
)


class PageType(graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)

    class Meta:
        interfaces = (relay.Node,)


class Page(graphene.ObjectType):
    seo_title = graphene.String()
    seo_description = graphene.String()
    title = graphene.String(required=True)
    content = graphene.JSONString()
    published_at = graphene.DateTime()
    is_published = graphene.Boolean(required=True)
    slug = graphene.String(required=True)
    page_type = graphene.Field(PageType, required=True)
    created = graphene.DateTime(required=True)
    attributes = graphene.NonNull(graphene.List(graphene.NonNull(SelectedAttribute)))
    assigned_attribute = graphene.Field(AssignedAttribute, slug=graphene.String(required=True))
    assigned_attributes = graphene.NonNull(
        graphene.List(graphene.NonNull(AssignedAttribute)), limit=graphene.Int(default_value=100)
    )
    translation = translation_field(PageTranslation)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_seo_title(root, _info):
        return root.seo_title or None

    @staticmethod
    def resolve_seo_description(root, _info):
        return root.seo_description or None

    @staticmethod
    def resolve_created(root, _info):
        return root.created_at

    @staticmethod
    def resolve_page_type(root, info):
        return loaders.PageTypeByIdLoader(info.context).load(root.page_type_id)

    @staticmethod
    def resolve_attributes(root, info):
        def build(values):
            return [
                SelectedAttribute(attribute=a.attribute, values=a.values)
                for a in assigned_attributes(values)
            ]

        return then(loaders.ValuesByPageIdLoader(info.context).load(root.pk), build)

    @staticmethod
    def resolve_assigned_attributes(root, info, limit=100):
        loader = loaders.ValuesByPageIdLoader(info.context)
        return resolve_assigned_attributes(loader, root.pk, max(limit or 0, 0))

    @staticmethod
    def resolve_assigned_attribute(root, info, slug):
        return resolve_assigned_attribute(loaders.ValuesByPageIdLoader(info.context), root.pk, slug)

    @staticmethod
    def resolve_translation(root, _info, language_code):
        return resolve_translation(root, language_code, "Page")


class MenuItem(graphene.ObjectType):
    """Resolved on a ChannelContext whose node carries `_children` and `level`."""

    name = graphene.String(required=True)
    menu = graphene.Field(lambda: Menu, required=True)
    parent = graphene.Field(lambda: MenuItem)
    category = graphene.Field("marquee.graphql.merch.types.categories.Category")
    collection = graphene.Field("marquee.graphql.merch.types.categories.Collection")
    page = graphene.Field(Page)
    level = graphene.Int(required=True)
    children = graphene.List(graphene.NonNull(lambda: MenuItem))
    url = graphene.String()
    translation = translation_field(MenuItemTranslation)

    class Meta:
        interfaces = (relay.Node,)
        default_resolver = node_attribute_resolver

    @staticmethod
    def resolve_menu(root, _info):
        return ChannelContext(root.node.menu, root.channel)

    @staticmethod
    def resolve_parent(root, _info):
        parent = root.node.parent_item
        return ChannelContext(parent, root.channel) if parent else None

    @staticmethod
    def resolve_children(root, _info):
        return [ChannelContext(child, root.channel) for child in root.node.child_items]

    @staticmethod
    def resolve_category(root, info):
        if not root.node.category_id:
            return None
        return loaders.CategoryByIdLoader(info.context).load(root.node.category_id)

    @staticmethod
    def resolve_collection(root, info):
        """A collection not published in the channel is left out, as Saleor does."""
        if not root.node.collection_id:
            return None
        collection = loaders.CollectionByIdLoader(info.context).load(root.node.collection_id)
        if root.channel is None:
            return then(collection, lambda c: ChannelContext(c, None) if c else None)
        published = loaders.PublishedCollectionIdsByChannelLoader(info.context).load(
            root.channel.pk
        )
        return then(
            gather([collection, published]),
            lambda r: ChannelContext(r[0], root.channel) if r[0] and r[0].pk in r[1] else None,
        )

    @staticmethod
    def resolve_page(root, info):
        if not root.node.page_id:
            return None
        return then(
            loaders.PageByIdLoader(info.context).load(root.node.page_id),
            lambda page: page if page and page.is_visible() else None,
        )

    @staticmethod
    def resolve_translation(root, _info, language_code):
        return resolve_translation(root.node, language_code, "MenuItem")


class Menu(graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    items = graphene.List(graphene.NonNull(MenuItem))

    class Meta:
        interfaces = (relay.Node,)
        default_resolver = node_attribute_resolver

    @staticmethod
    def resolve_items(root, info):
        """Top-level items; the whole tree comes from one statement."""

        def build(items):
            by_id = {item.pk: item for item in items}
            for item in items:
                item.child_items = []
                item.parent_item = by_id.get(item.parent_id)
                item.menu = root.node
            for item in items:
                if item.parent_item is not None:
                    item.parent_item.child_items.append(item)
            for item in items:
                level, parent = 0, item.parent_item
                while parent is not None and level < 32:
                    level, parent = level + 1, parent.parent_item
                item.level = level
            return [ChannelContext(i, root.channel) for i in items if i.parent_item is None]

        return then(loaders.MenuItemsByMenuIdLoader(info.context).load(root.node.pk), build)
