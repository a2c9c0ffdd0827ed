"""The thresholds (``settings`` table) and the :class:`~linkcheck.store.state.Rules` they make.

They live in the database, not in code or a config file, because the views read them: plain SQL
and the commands must agree on what "confirmed dead" and "flaky" mean.
"""

from __future__ import annotations

from linkcheck.store.database import Database, Repository, guarded
from linkcheck.store.schema import DEFAULT_SETTINGS
from linkcheck.store.state import Rules


class Settings(Repository):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.rules = self._load_rules()

    @guarded
    def values(self) -> dict[str, float]:
        return self._read()

    @guarded
    def set(self, key: str, value: float) -> None:
        """Change a threshold (``confirm_checks``, ``confirm_days``, ``flaky_*``) for good."""
        if key not in DEFAULT_SETTINGS:
            raise ValueError(f"unknown setting {key!r}; known: {', '.join(DEFAULT_SETTINGS)}")
        integral = key != "confirm_days"
        if value < 0 or (integral and (int(value) != value or value < 1)):
            raise ValueError(f"{key} must be {'a positive integer' if integral else '>= 0'}, not {value!r}")
        self.save({key: value})

    def save(self, values: dict[str, float]) -> None:
        """Store ``values`` (a no-op when they are already stored) and reload :attr:`rules`."""
        if not values:
            return
        if all(self._read().get(k) == v for k, v in values.items()):
            return
        with self._db.write() as conn:
            for key, value in values.items():
                conn.execute(
                    "INSERT INTO settings (key, value, description) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value, DEFAULT_SETTINGS.get(key, (None, None))[1]),
                )
        self.rules = self._load_rules()

    def _read(self) -> dict[str, float]:
        return dict(self._db.conn.execute("SELECT key, value FROM settings").fetchall())

    def _load_rules(self) -> Rules:
        values = self._read()
        return Rules(
            confirm_checks=int(values.get("confirm_checks", 3)),
            confirm_days=float(values.get("confirm_days", 7)),
            flaky_window=int(values.get("flaky_window", 10)),
            flaky_transitions=int(values.get("flaky_transitions", 2)),
        )


__all__ = ["Settings"]
