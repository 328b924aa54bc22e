"""Handing the ledger's messages to the relay (ARCHITECTURE §7): the worker (`worker.py`), the transports
(`smtp.py`, `provider.py`, the in-app mailbox), DKIM signing (`signing.py`). Other apps never call this: they
queue mail with `tandem.mail.services.queue_message`, and the Huey tasks in `tandem.mail.tasks` run
`deliver_due` after each commit and every minute."""

from tandem.mail.delivery.worker import RunSummary, default_worker, deliver_due

__all__ = ["RunSummary", "default_worker", "deliver_due"]
