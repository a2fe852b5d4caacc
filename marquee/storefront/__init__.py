"""The web storefront Marquee serves itself: the shop, the licensor portal and the member portal.

Server-rendered Django templates on the same domain services and selectors
as the API; nothing here imports `marquee.graphql`.
"""
