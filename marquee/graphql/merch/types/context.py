from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChannelContext:
    """A catalogue object as seen in one channel (prices, availability, visibility).

    Saleor threads the channel the same way: the object alone cannot say
    what it costs, only the object in a channel can.
    """

    node: Any
    channel: Any  # marquee.merch.models.Channel or None

    @property
    def id(self):
        return self.node.pk

    @property
    def pk(self):
        return self.node.pk


# Optional text that Saleor returns as null when unset (required text stays "").
BLANK_AS_NULL = frozenset({"seo_title", "seo_description", "url"})


def node_attribute_resolver(attname, default_value, root, _info, **_args):
    """Default resolver for types resolved on a ChannelContext: read the node."""
    target = root.node if isinstance(root, ChannelContext) else root
    value = getattr(target, attname, default_value)
    return None if value == "" and attname in BLANK_AS_NULL else value
