"""1:1 email: what a person writes to a contact from a record page. `rendering` turns a subject and body with
merge fields into the message (text, HTML, signature, footer) through the sandbox, `selectors` reads what the
compose page and the record panels show, `timeline` declares the timeline kind. The writes are in
`tandem.mail.services.compose`, the pages in `tandem.mail.views.compose`."""
