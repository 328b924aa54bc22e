"""Every write of the mail layer. Other apps queue mail only through `queue_message` (or Django's mail API,
whose backend is the ledger); nothing else opens a connection to a relay."""

from tandem.mail.services.ledger import InvalidMessage, message_id_for, queue_message

__all__ = ["InvalidMessage", "message_id_for", "queue_message"]
