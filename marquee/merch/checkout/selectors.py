"""Who may use a checkout: its ID is the key to it.

A checkout's ID (a random UUID, exposed as `id` and `token`) is a bearer
capability, as in Saleor. One rule, applied by every entry point that names
a checkout (the API calls `checkout_for` and nothing else decides):

- **Who may read.** Whoever presents the ID: `checkout(id)` and
  `checkout(token)` answer for a guest's checkout and for one attached to a
  customer alike, signed in or not. Saleor's storefront reads a signed-in
  shopper's cart on the server without the shopper's access token; tying
  reads to the session would show that cart empty and stop the purchase.
- **Who may act.** The same holder, in every mutation that names the
  checkout: lines, email, addresses, delivery, promo codes, language,
  `deliveryOptionsCalculate`, `updateMetadata`/`deleteMetadata`,
  `paymentGatewayInitialize`, `transactionInitialize`/`transactionProcess`
  and `checkoutComplete`. Two actions change whose checkout it is and stay
  with the signed-in customer (see `services.attach_customer` and
  `services.detach_customer`): a customer attaches only themself, and only
  to a checkout no other customer holds; only the attached customer
  detaches it.
- **What a holder who is not the owner sees.** The cart as the storefront
  shows it (lines, prices, the email and addresses entered on it), but not
  the account behind it: `Checkout.user` is the attached customer's, or
  staff's, to see (`may_see_customer`). The order placed from the checkout
  is shown to anyone but its owner and staff with personal data masked,
  exactly as `order(id)` shows it, on a first `checkoutComplete` and on a
  replayed one.
- **Where the ID appears.** Only in answers to someone who already holds it
  or just created the checkout. An order does not reveal the checkout it
  came from, and no query lists checkouts.

The ID therefore deserves the care of a password: it is sent by the
storefront only to the shopper's own browser and server.
"""

from __future__ import annotations

import uuid

from ..models import Checkout


def checkout_for(token: uuid.UUID | None, user=None, *, lock: bool = False) -> Checkout | None:
    """The checkout with this ID, for whoever holds the ID; None if there is none.

    `user` is the requester. The bearer rule does not depend on it today; it
    is taken so that every entry point passes through here with the same
    arguments should the rule ever tighten. `lock` takes the row lock the
    caller's transaction needs before changing the checkout (and loads what
    a completion reads).
    """
    if token is None:
        return None
    queryset = Checkout.objects.select_related("channel")
    if lock:
        queryset = queryset.select_for_update(of=("self",)).select_related(
            "shipping_address", "billing_address", "user"
        )
    return queryset.filter(pk=token).first()


def is_customer_of(checkout: Checkout, user) -> bool:
    """Whether the requester is the customer the checkout is attached to."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and checkout.user_id is not None
        and checkout.user_id == user.pk
    )


def may_see_customer(checkout: Checkout, user) -> bool:
    """`Checkout.user`: the account behind a checkout is its customer's and staff's to see."""
    staff = bool(user is not None and getattr(user, "is_authenticated", False) and user.is_staff)
    return staff or is_customer_of(checkout, user)
