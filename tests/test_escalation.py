"""The escalation policy: which HTTP outcomes go on to a browser (pure, over the profile table)."""

from __future__ import annotations

import pytest

from linkcheck.models import HOST_PAUSED, Outcome, Verdict, Via
from linkcheck.run.checker import escalate
from linkcheck.sites import CSDN, GENERIC, PROFILES, WEIXIN, ZHIHU, SiteProfile


def _blocked(reason: str, marker: str | None = None, via: Via = Via.HTTP) -> Outcome:
    return Outcome(Verdict.BLOCKED, reason, http_status=None if reason == HOST_PAUSED else 403, marker=marker, via=via)


POLICY = [
    # (outcome, profile, escalates?, why)
    (_blocked("antibot:zhihu-403"), ZHIHU, True, "the JS challenge: a browser runs it"),
    (_blocked("antibot:zhihu-unhuman"), ZHIHU, True, "drawn by the HTTP client's fingerprint"),
    (_blocked("antibot:zhihu-compatibility"), ZHIHU, True, "the outdated-browser page"),
    (_blocked(HOST_PAUSED, marker="antibot:zhihu-403"), ZHIHU, True, "paused by a wall the browser passes"),
    (_blocked(HOST_PAUSED, marker="rate-limited"), ZHIHU, False, "paused by a rate limit"),
    (_blocked(HOST_PAUSED), ZHIHU, False, "paused, no wall named"),
    (_blocked("login-wall"), ZHIHU, False, "a login: no browser helps"),
    (_blocked("antibot:zhihu-api"), ZHIHU, False, "the signed API's refusal"),
    (_blocked("rate-limited"), ZHIHU, False, "asking again only prolongs it"),
    (_blocked("antibot:weixin-verify"), WEIXIN, True, "served only sometimes"),
    (_blocked("antibot:weixin-frequency"), WEIXIN, False, "a frequency wall"),
    (_blocked("antibot:weixin-client-only"), WEIXIN, False, "opens only in the WeChat app"),
    (_blocked("antibot:zhihu-403"), WEIXIN, False, "another site's wall"),
    (_blocked("antibot:csdn-waf"), CSDN, False, "no browser rule for CSDN"),
    (_blocked("antibot:zhihu-403"), GENERIC, False, "no browser rule"),
    (_blocked("antibot:zhihu-403", via=Via.BROWSER), ZHIHU, False, "the browser's own outcome: never twice"),
    (Outcome(Verdict.ALIVE, "live-marker", 200), ZHIHU, False, "decided"),
    (Outcome(Verdict.DEAD, "tombstone:zhihu-404", 404), ZHIHU, False, "decided"),
    (Outcome(Verdict.ERROR, "timeout"), ZHIHU, False, "retried next run, not a wall"),
]


@pytest.mark.parametrize(("outcome", "profile", "expected", "why"), POLICY, ids=[row[3] for row in POLICY])
def test_escalation_policy(outcome: Outcome, profile: SiteProfile, expected: bool, why: str) -> None:
    assert escalate(outcome, profile) is expected, why


def test_every_wall_a_browser_rule_names_is_one_its_site_reports() -> None:
    """A typo in a rule would silently escalate nothing: each wall must be a reason the profile's own
    wall rules produce."""
    for profile in PROFILES:
        if profile.browser is None:
            continue
        reported = {rule.reason for rule in (*profile.antibot_urls, *profile.antibot_markers)}
        assert profile.browser.walls and profile.browser.walls <= reported, profile.name
        assert profile.browser.politeness.concurrency == 1  # one browser page at a time per host
