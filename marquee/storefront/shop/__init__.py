"""The shop fans use: films, merchandise, cart, checkout and account pages."""
