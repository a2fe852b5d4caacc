"""Where a mutation's idempotency key comes from: its argument, else the request header.

Saleor's clients send `idempotencyKey` as an argument where Saleor has one
(`transactionInitialize`); HTTP clients and proxies that retry on their own
send the `Idempotency-Key` header (the IETF draft's name). The argument
wins when both are given. A header applies to every mutation of the
request, so a batch that wants one key per mutation passes arguments.
"""

HEADER = "Idempotency-Key"


def idempotency_key(info, argument: str | None = None) -> str | None:
    if argument:
        return argument
    request = getattr(info, "context", None)
    headers = getattr(request, "headers", None)
    return headers.get(HEADER) if headers is not None else None
