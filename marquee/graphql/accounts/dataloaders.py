"""Loaders for accounts: a user's address book in one statement per request."""

from marquee.accounts import selectors

from ..core.dataloaders import DataLoader, _registry


class AddressBookByUserIdLoader(DataLoader):
    def batch_load(self, keys):
        books = selectors.address_book_by_user(keys)
        return [books[key] for key in keys]


def forget_address_books(context) -> None:
    """Drop cached books after a write, so the mutation's payload shows the new state."""
    _registry(context).pop(AddressBookByUserIdLoader, None)
