"""Run: what is checked tonight, by whom, and what is recorded.

``schedule`` picks and orders the due URLs; ``runner`` hands each link to its host's workers and
tells offline from dead; ``job`` is the nightly job (scan → plan → check → archive → record, its
writes grouped on a writer thread); ``lock`` keeps one run at a time; ``eventloop`` picks uvloop.
"""
