"""Every change to events, registrations and the academy.

Each function checks the actor's permission (``rules.py``), runs in one
transaction, validates with ``full_clean()``, writes the audit log and queues
its e-mails, which leave only after the transaction commits.
"""
