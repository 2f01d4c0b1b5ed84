"""The committee's view of message delivery (e-mail, WhatsApp/SMS): what was sent, what waits, what failed."""
