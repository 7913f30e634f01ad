"""I/O at the edges: the mailbox (IMAP or Maildir), the outbox senders (SMTP or pickup), the store."""
