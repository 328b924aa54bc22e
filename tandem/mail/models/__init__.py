"""The mail layer's tables: how mail leaves (the relay), who it comes from (identities), and the ledger of every
message Tandem sends (ARCHITECTURE §7: the ledger row is the truth, written in the transaction that decides to
send, handed to the relay by a worker after commit).

One module per area, so that each part of the mail layer keeps its own tables.
"""

from tandem.mail.models.identities import Identity
from tandem.mail.models.inbound import (
    InboundKind,
    InboundMailbox,
    InboundMessage,
    InboundSecurity,
    PollResult,
    SkippedMessage,
)
from tandem.mail.models.ledger import Category, Message, Status
from tandem.mail.models.relay import Relay, RelayKind, Security
from tandem.mail.models.templates import MailSignature, MailTemplate

__all__ = [
    "Category",
    "Identity",
    "InboundKind",
    "InboundMailbox",
    "InboundMessage",
    "InboundSecurity",
    "MailSignature",
    "MailTemplate",
    "Message",
    "PollResult",
    "Relay",
    "RelayKind",
    "Security",
    "SkippedMessage",
    "Status",
]
