"""The cart and the checkout: lines, address, delivery, payment and the order confirmation."""
