"""What the browser did in a run: the report's "resolved by the browser" line (no Playwright needed)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from linkcheck.models import Link, Outcome
from linkcheck.sites import profile_for


@dataclass(slots=True)
class RecheckSummary:
    """The browser's figures for one run (kept in the run row as ``counts["browser"]``)."""

    enabled: bool = True
    unavailable: str | None = None  # why the browser could not run (the links stay blocked)
    eligible: int = 0  # links the runner escalated to the browser
    attempted: int = 0
    not_attempted: int = 0  # deadline, stop, no browser, or the browser left the host alone
    verdicts: Counter = field(default_factory=Counter)  # browser verdict → n
    reasons: Counter = field(default_factory=Counter)  # "verdict:reason" → n
    by_site: dict[str, Counter] = field(default_factory=dict)
    elapsed_s: float = 0.0  # from the browser's first page to its last
    browser: str = ""
    captured: int = 0  # pages archived as the browser saw them
    restarts: int = 0

    @property
    def resolved(self) -> int:
        """Blocked links the browser decided: now alive or dead."""
        return self.verdicts.get("alive", 0) + self.verdicts.get("dead", 0)

    @property
    def per_minute(self) -> float:
        return self.attempted * 60 / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def add(self, link: Link, outcome: Outcome) -> None:
        self.attempted += 1
        verdict = outcome.verdict.value
        self.verdicts[verdict] += 1
        self.reasons[f"{verdict}:{outcome.reason}"] += 1
        self.by_site.setdefault(profile_for(link.host).name, Counter())[verdict] += 1

    def to_dict(self) -> dict:
        return {
            "enabled": self.enabled,
            "available": self.unavailable is None,
            "unavailable": self.unavailable,
            "eligible": self.eligible,
            "attempted": self.attempted,
            "not_attempted": self.not_attempted,
            "resolved": self.resolved,
            "alive": self.verdicts.get("alive", 0),
            "dead": self.verdicts.get("dead", 0),
            "still_blocked": self.verdicts.get("blocked", 0),
            "errors": self.verdicts.get("error", 0) + self.verdicts.get("skipped", 0),
            "reasons": dict(sorted(self.reasons.items())),
            "by_site": {site: dict(counts) for site, counts in sorted(self.by_site.items())},
            "elapsed_s": round(self.elapsed_s, 3),
            "per_minute": round(self.per_minute, 1),
            "browser": self.browser,
            "captured": self.captured,
            "restarts": self.restarts,
        }

    @classmethod
    def from_dict(cls, data: dict) -> RecheckSummary:
        """Back from :meth:`to_dict` (a run row's ``counts["browser"]``), e.g. to :meth:`describe` it."""
        reasons = Counter(data.get("reasons") or {})
        verdicts: Counter = Counter()
        for key, n in reasons.items():
            verdicts[key.split(":", 1)[0]] += n
        return cls(
            enabled=bool(data.get("enabled", True)),
            unavailable=data.get("unavailable"),
            eligible=int(data.get("eligible", 0)),
            attempted=int(data.get("attempted", 0)),
            not_attempted=int(data.get("not_attempted", 0)),
            verdicts=verdicts,
            reasons=reasons,
            by_site={site: Counter(counts) for site, counts in (data.get("by_site") or {}).items()},
            elapsed_s=float(data.get("elapsed_s", 0.0)),
            browser=str(data.get("browser", "")),
            captured=int(data.get("captured", 0)),  # runs before the browser archived through the archive: 0
            restarts=int(data.get("restarts", 0)),
        )

    def describe(self) -> str:
        """One line for the report."""
        if not self.enabled:
            return "Browser re-check: off."
        if self.eligible == 0:
            return "Browser re-check: no blocked link to re-check."
        if self.unavailable is not None:
            return f"Browser re-check: {self.eligible} blocked link(s) stay blocked — {self.unavailable}."
        parts = [f"{self.verdicts.get(v, 0)} {label}" for v, label in (("alive", "alive"), ("dead", "dead"))]
        rest = [
            f"{self.verdicts[v]} {label}"
            for v, label in (("blocked", "still blocked"), ("error", "browser error"), ("skipped", "refused"))
            if self.verdicts.get(v)
        ]
        if self.not_attempted:
            rest.append(f"{self.not_attempted} not attempted")
        how = ", ".join(f"{n}× {reason}" for reason, n in self.reasons.most_common(4))
        return (
            f"Browser re-check: {self.resolved} of {self.eligible} blocked link(s) resolved by the browser "
            f"({', '.join(parts + rest)}) — {how}."
        )


__all__ = ["RecheckSummary"]
