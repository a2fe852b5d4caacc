"""The drop operations a storefront sends."""

RESERVE = """
mutation Reserve($drop: ID!, $variant: ID!, $quantity: Int, $checkout: ID, $email: String,
                 $ticket: String, $key: String) {
  dropReserve(drop: $drop, variantId: $variant, quantity: $quantity, checkoutId: $checkout,
              email: $email, ticket: $ticket, idempotencyKey: $key) {
    checkout { id email lines { quantity variant { id } } }
    reservationExpires
    errors { field code message position retryAfter limit }
  }
}
"""

JOIN = """
mutation Join($drop: ID!) {
  dropJoin(drop: $drop) {
    ticket { token position state retryAfter }
    errors { field code message }
  }
}
"""

TICKET = """
query Ticket($drop: ID!, $token: String!) {
  dropTicket(drop: $drop, token: $token) { token position state retryAfter }
}
"""

DROP = """
query Drop($id: ID, $slug: String) {
  drop(id: $id, slug: $slug) {
    id slug name startsAt endsAt earlyAccessStartsAt state remaining perCustomerLimit
    waitingRoom product { name } variants { id }
  }
}
"""

PRODUCTS_WITH_DROPS = """
query Products($channel: String!) {
  products(first: 50, channel: $channel) {
    edges { node {
      name isAvailableForPurchase availableForPurchaseAt
      drop { id startsAt state remaining perCustomerLimit waitingRoom }
    } }
  }
}
"""
