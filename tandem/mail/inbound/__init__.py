"""Mail that comes back to Tandem over IMAP (ARCHITECTURE §7, "replies are heard").

- `imap`: the IMAP client: connect with a timeout, find the UIDs after the last one seen, fetch sizes,
  headers or whole messages. Knows nothing of the database.
- `parsing`: one raw message to a `ParsedMail` (addresses, the ids that thread it, text), or
  `MalformedMessage`; and `auto_reply_reason`, which recognises out-of-office and other automatic mail.
- `selectors`: the reads of the inbound pages (mailboxes, a conversation).

The writes — polling a mailbox, keeping a reply, the timeline entry and the notification — are in
`tandem.mail.services.inbound`.
"""
