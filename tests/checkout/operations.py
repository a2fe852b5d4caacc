"""GraphQL documents the checkout tests send."""

CHECKOUT_FIELDS = """
  id token email voucherCode discountName quantity isShippingRequired languageCode
  authorizeStatus chargeStatus
  channel { slug }
  shippingAddress { city postalCode country { code } }
  billingAddress { city country { code } }
  shippingMethods { id name price { amount currency } active }
  availableShippingMethods { id }
  shippingMethod { id name }
  deliveryMethod { ... on ShippingMethod { id } }
  delivery { id shippingMethod { id name } }
  problems {
    __typename
    ... on CheckoutProblemDeliveryMethodInvalid { delivery { shippingMethod { name } } }
    ... on CheckoutLineProblemInsufficientStock { availableQuantity }
  }
  discount { amount currency }
  subtotalPrice { net { amount } gross { amount } tax { amount } currency }
  shippingPrice { net { amount } gross { amount } }
  totalPrice { net { amount } gross { amount } tax { amount } currency }
  availablePaymentGateways { id }
  giftCards { id }
  lines {
    id quantity requiresShipping
    variant { id name product { name } }
    unitPrice { net { amount } gross { amount } }
    undiscountedUnitPrice { amount }
    totalPrice { net { amount } gross { amount } }
    undiscountedTotalPrice { amount }
  }
"""

ERRORS = "errors { field code message variants lines addressType }"


def mutation(name, args_decl, args_use, extra=""):
    return f"""
mutation ({args_decl}) {{
  {name}({args_use}) {{
    {ERRORS}
    checkout {{ {CHECKOUT_FIELDS} }}
    {extra}
  }}
}}"""


CREATE = mutation("checkoutCreate", "$input: CheckoutCreateInput!", "input: $input")
LINES_ADD = mutation(
    "checkoutLinesAdd", "$id: ID!, $lines: [CheckoutLineInput!]!", "id: $id, lines: $lines"
)
LINES_UPDATE = mutation(
    "checkoutLinesUpdate",
    "$id: ID!, $lines: [CheckoutLineUpdateInput!]!",
    "id: $id, lines: $lines",
)
LINES_DELETE = mutation(
    "checkoutLinesDelete", "$id: ID!, $linesIds: [ID!]!", "id: $id, linesIds: $linesIds"
)
EMAIL_UPDATE = mutation(
    "checkoutEmailUpdate", "$id: ID!, $email: String!", "id: $id, email: $email"
)
SHIPPING_ADDRESS_UPDATE = mutation(
    "checkoutShippingAddressUpdate",
    "$id: ID!, $address: AddressInput!, $rules: CheckoutAddressValidationRules",
    "id: $id, shippingAddress: $address, validationRules: $rules",
)
BILLING_ADDRESS_UPDATE = mutation(
    "checkoutBillingAddressUpdate",
    "$id: ID!, $address: AddressInput!",
    "id: $id, billingAddress: $address",
)
DELIVERY_UPDATE = mutation(
    "checkoutDeliveryMethodUpdate",
    "$id: ID!, $method: ID",
    "id: $id, deliveryMethodId: $method",
)
SHIPPING_METHOD_UPDATE = mutation(
    "checkoutShippingMethodUpdate",
    "$id: ID!, $method: ID",
    "checkoutId: $id, shippingMethodId: $method",
)
ADD_PROMO = mutation(
    "checkoutAddPromoCode", "$id: ID, $code: String!", "checkoutId: $id, promoCode: $code"
)
REMOVE_PROMO = mutation(
    "checkoutRemovePromoCode",
    "$id: ID, $code: String, $codeId: ID",
    "id: $id, promoCode: $code, promoCodeId: $codeId",
)
ATTACH = mutation("checkoutCustomerAttach", "$id: ID!", "id: $id")
DETACH = mutation("checkoutCustomerDetach", "$id: ID!", "id: $id")
LANGUAGE_UPDATE = mutation(
    "checkoutLanguageCodeUpdate",
    "$id: ID!, $language: LanguageCodeEnum!",
    "id: $id, languageCode: $language",
)
CHECKOUT = f"query ($id: ID!) {{ checkout(id: $id) {{ {CHECKOUT_FIELDS} }} }}"
