from marquee.merch.models import TransactionEvent

from ..core.dataloaders import ManyByFieldLoader


class EventsByTransactionIdLoader(ManyByFieldLoader):
    model = TransactionEvent
    field = "transaction_id"
