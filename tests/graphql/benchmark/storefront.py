"""Documents with the fields Saleor's storefront selects, for the pinned statement counts.

Our own operations: each selects what the storefront's checkout, account,
navigation and listing pages read, so a pin measures the request a real
storefront sends rather than a trimmed one.
"""

MONEY = "currency amount"

ADDRESS = """
  id firstName lastName companyName streetAddress1 streetAddress2 city cityArea
  postalCode countryArea country { code country } phone
"""

CHECKOUT_LINE = f"""
  id quantity
  totalPrice {{ gross {{ {MONEY} }} }}
  unitPrice {{ gross {{ {MONEY} }} }}
  undiscountedUnitPrice {{ {MONEY} }}
  variant {{
    id name
    translation(languageCode: $languageCode) {{ name }}
    attributes(variantSelection: ALL) {{
      values {{ name dateTime boolean translation(languageCode: $languageCode) {{ name }} }}
    }}
    product {{
      name
      translation(languageCode: $languageCode) {{ id name language {{ code }} }}
      media {{ alt type url(size: 72) }}
    }}
    media {{ alt type url(size: 72) }}
  }}
"""

CHECKOUT = f"""
  id email voucherCode discountName translatedDiscountName
  discount {{ {MONEY} }}
  giftCards {{ id displayCode currentBalance {{ {MONEY} }} }}
  channel {{ id slug }}
  user {{ id }}
  shippingAddress {{ {ADDRESS} }}
  billingAddress {{ {ADDRESS} }}
  authorizeStatus chargeStatus isShippingRequired
  availablePaymentGateways {{ id name currencies config {{ field value }} }}
  delivery {{ id shippingMethod {{ id name }} }}
  problems {{
    ... on CheckoutProblemDeliveryMethodStale {{ __typename }}
    ... on CheckoutProblemDeliveryMethodInvalid {{ __typename }}
  }}
  totalPrice {{ gross {{ {MONEY} }} tax {{ {MONEY} }} }}
  shippingPrice {{ gross {{ {MONEY} }} }}
  subtotalPrice {{ gross {{ {MONEY} }} }}
  lines {{ {CHECKOUT_LINE} }}
"""


def checkout_mutation(name, declarations, arguments):
    return f"""
mutation ({declarations}, $languageCode: LanguageCodeEnum!) {{
  {name}({arguments}) {{
    errors {{ message field code }}
    checkout {{ {CHECKOUT} }}
  }}
}}"""


CHECKOUT_CREATE = checkout_mutation(
    "checkoutCreate", "$channel: String!", "input: { channel: $channel, lines: [] }"
)
CHECKOUT_LINES_ADD = checkout_mutation(
    "checkoutLinesAdd", "$id: ID!, $lines: [CheckoutLineInput!]!", "id: $id, lines: $lines"
)
CHECKOUT_LINES_UPDATE = checkout_mutation(
    "checkoutLinesUpdate",
    "$id: ID!, $lines: [CheckoutLineUpdateInput!]!",
    "id: $id, lines: $lines",
)
CHECKOUT_SHIPPING_ADDRESS_UPDATE = checkout_mutation(
    "checkoutShippingAddressUpdate",
    "$id: ID!, $address: AddressInput!, $saveAddress: Boolean,"
    " $validationRules: CheckoutAddressValidationRules",
    "id: $id, shippingAddress: $address, saveAddress: $saveAddress,"
    " validationRules: $validationRules",
)
CHECKOUT_DELIVERY_METHOD_UPDATE = checkout_mutation(
    "checkoutDeliveryMethodUpdate",
    "$id: ID!, $deliveryMethodId: ID!",
    "id: $id, deliveryMethodId: $deliveryMethodId",
)

TRANSACTION_INITIALIZE = """
mutation ($id: ID!, $action: TransactionFlowStrategyEnum,
          $paymentGateway: PaymentGatewayToInitialize!, $amount: PositiveDecimal) {
  transactionInitialize(id: $id, action: $action, paymentGateway: $paymentGateway,
                        amount: $amount) {
    transaction { id actions }
    transactionEvent { message type }
    data
    errors { field code message }
  }
}"""

ORDER_LINE = f"""
  id quantity productName variantName
  variant {{
    name
    translation(languageCode: $languageCode) {{ name }}
    product {{ name translation(languageCode: $languageCode) {{ name }} }}
    attributes(variantSelection: ALL) {{
      values {{ name dateTime boolean translation(languageCode: $languageCode) {{ name }} }}
    }}
  }}
  totalPrice {{ gross {{ {MONEY} }} }}
  undiscountedUnitPrice {{ gross {{ {MONEY} }} }}
  unitPrice {{ gross {{ {MONEY} }} }}
  thumbnail(size: 128, format: WEBP) {{ alt url }}
"""

# The order confirmation page of the checkout.
ORDER = f"""
query ($id: ID!, $languageCode: LanguageCodeEnum!) {{
  order(id: $id) {{
    id number userEmail isPaid chargeStatus authorizeStatus
    channel {{ slug }}
    discounts {{ type name amount {{ {MONEY} }} }}
    shippingAddress {{ {ADDRESS} }}
    billingAddress {{ {ADDRESS} }}
    deliveryMethod {{ ... on ShippingMethod {{ name minimumDeliveryDays maximumDeliveryDays }} }}
    total {{ gross {{ {MONEY} }} tax {{ {MONEY} }} }}
    voucher {{ code }}
    shippingPrice {{ gross {{ {MONEY} }} }}
    subtotal {{ gross {{ {MONEY} }} }}
    lines {{ {ORDER_LINE} }}
    totalBalance {{ {MONEY} }}
    totalCaptured {{ {MONEY} }}
  }}
}}"""

# The account's order history.
MY_ORDERS = f"""
query ($languageCode: LanguageCodeEnum!) {{
  me {{
    id email firstName lastName avatar {{ url alt }}
    orders(first: 10) {{
      edges {{
        node {{
          id number created status statusDisplay paymentStatus
          total {{ gross {{ {MONEY} }} }}
          lines {{
            quantity
            variant {{
              id name
              translation(languageCode: $languageCode) {{ name }}
              product {{
                id name description slug
                translation(languageCode: $languageCode) {{ name }}
                thumbnail {{ url alt }}
                category {{ id name }}
              }}
              pricing {{ price {{ gross {{ {MONEY} }} }} }}
            }}
          }}
        }}
      }}
    }}
  }}
}}"""

MENU_ITEM = """
  id name level url
  translation(languageCode: $languageCode) { name }
  category { id slug name translation(languageCode: $languageCode) { name slug } }
  collection { id name slug translation(languageCode: $languageCode) { name slug } }
  page { id title slug translation(languageCode: $languageCode) { title slug } }
"""

MENU = f"""
query ($slug: String!, $channel: String!, $languageCode: LanguageCodeEnum!) {{
  menu(slug: $slug, channel: $channel) {{
    items {{ {MENU_ITEM} children {{ {MENU_ITEM} children {{ {MENU_ITEM} }} }} }}
  }}
}}"""

PRODUCT_LIST_ITEM = f"""
  id name slug created
  translation(languageCode: $languageCode) {{ name slug }}
  pricing {{
    priceRange {{ start {{ gross {{ {MONEY} }} }} stop {{ gross {{ {MONEY} }} }} }}
    priceRangeUndiscounted {{ start {{ gross {{ {MONEY} }} }} stop {{ gross {{ {MONEY} }} }} }}
  }}
  category {{
    id name slug
    translation(languageCode: $languageCode) {{ name slug }}
    backgroundImage {{ url alt }}
  }}
  thumbnail(size: 1024, format: WEBP) {{ url alt }}
  bestseller: assignedAttribute(slug: "bestseller") {{
    ... on AssignedBooleanAttribute {{ value }}
  }}
  pulseBestseller: assignedAttribute(slug: "pulse-bestseller") {{
    ... on AssignedBooleanAttribute {{ value }}
  }}
  productVariants(first: 50) {{
    totalCount
    edges {{
      node {{
        id
        selectionAttributes: attributes(variantSelection: VARIANT_SELECTION) {{
          attribute {{ slug name inputType translation(languageCode: $languageCode) {{ name }} }}
          values {{
            name slug value
            translation(languageCode: $languageCode) {{ name }}
            file {{ url }}
          }}
        }}
      }}
    }}
  }}
"""

SLUG_TRANSLATIONS = " ".join(
    f"slug{code}: translation(languageCode: {code}) {{ slug }}"
    for code in ("EN", "PL", "DE", "FR", "FI", "NB", "JA", "KO")
)

LISTING_PAGE = f"""
    id name slug description seoDescription seoTitle
    translation(languageCode: $languageCode) {{
      name description seoDescription seoTitle slug
    }}
    {SLUG_TRANSLATIONS}
    backgroundImage {{ url alt }}
"""

LISTING_CONNECTION = f"""
      edges {{ node {{ {PRODUCT_LIST_ITEM} }} cursor }}
      pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
      totalCount
"""

CATEGORY = f"""
query ($slug: String!, $channel: String!, $languageCode: LanguageCodeEnum!, $first: Int) {{
  category(slug: $slug) {{
    {LISTING_PAGE}
    products(first: $first, channel: $channel) {{ {LISTING_CONNECTION} }}
  }}
}}"""

COLLECTION = f"""
query ($slug: String!, $channel: String!, $languageCode: LanguageCodeEnum!, $first: Int) {{
  collection(slug: $slug, channel: $channel) {{
    {LISTING_PAGE}
    products(first: $first) {{ {LISTING_CONNECTION} }}
  }}
}}"""
