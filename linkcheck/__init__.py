"""linkcheck — keeps a Chinese technical blog's references honest.

Pipeline, one module per stage: ``extract`` (text → URLs) → ``collect`` (posts → unique links) →
``schedule`` → ``fetch`` (polite HTTP) → ``classify`` (verdicts from site profiles) → ``store``
(SQLite history) → ``archive`` (WARC) → ``report``. ``cli`` is a thin layer on top.
"""

__version__ = "0.1.0"
