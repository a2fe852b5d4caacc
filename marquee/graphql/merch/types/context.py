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
