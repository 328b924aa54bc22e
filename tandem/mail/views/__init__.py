"""The mail app's pages, one module per area: the mailbox, the relay settings, the sending identities."""
