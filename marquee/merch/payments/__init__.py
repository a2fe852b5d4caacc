"""Payments in Saleor's transaction model.

`gateways` talk to providers (Stripe; an offline test gateway), `services`
create transactions and apply what providers report, `stripe_events` turns
verified Stripe webhooks into those changes, `webhooks` is the HTTP view.
Money is marked charged or refunded only from the provider's own figures.
"""
