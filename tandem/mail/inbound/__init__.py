"""Mail that comes back to Tandem over IMAP (ARCHITECTURE §7, "replies are heard").

- `imap`: the IMAP client: connect with a timeout, find the UIDs after the last one seen, fetch sizes,
  headers or whole messages. Knows nothing of the database.
- `parsing`: one raw message to a `ParsedMail` (addresses, the ids that thread it, text), or
  `MalformedMessage`; and `auto_reply_reason`, which recognises out-of-office and other automatic mail.
- `threads`: which sent message an inbound one answers, the reply+<token> address (`reply_address_for`), and
  which contact an address belongs to.
- `timeline`: the timeline kinds `email_replied` and `email_received`.
- `selectors`, `forms`: the inbound pages' reads and form; `tasks`: the every-minute poll.

The writes — polling a mailbox, keeping a reply, the timeline entry and the notification — are in
`tandem.mail.services.inbound`.
"""
