"""A customer's account: sign-in and sign-up, orders, addresses and password."""
