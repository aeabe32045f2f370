"""The helpdesk's mail intake: reading mails (:mod:`.parse`) and fetching them
from IMAP mailboxes exactly once (:mod:`.imap`). Plain Python on top of the
``email`` package and IMAPClient; the tickets are the helpdesk app's."""
