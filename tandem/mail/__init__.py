"""The mail layer every hub shares: the send ledger, the relay, sending identities, the in-app mailbox."""
