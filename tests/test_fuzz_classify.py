"""Fuzz the classifier: whatever bytes a server returns, the answer is a verdict, never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck.classify import Page, classify, decode_body, parse_retry_after
from linkcheck.models import Verdict
from linkcheck.sites import PROFILES

HOSTS = [host.lstrip(".") for profile in PROFILES for host in profile.hosts] + ["example.org"]
# Fragments of real markers, so the fuzzer builds near-misses and mixtures, not just noise.
MARKERS = [
    "该内容已被发布者删除", "weui-msg__title", "环境异常", 'id="js_content"', 'property="og:title"',
    'id="zh-zse-ck"', "你似乎来到了没有知识存在的荒原", "var transferTargetLink = '", "\\x", "<meta charset=gbk>",
]  # fmt: skip

bodies = st.one_of(
    st.binary(max_size=4096),
    st.lists(st.one_of(st.sampled_from(MARKERS), st.text(max_size=50)), max_size=30).map(
        lambda xs: "".join(xs).encode()
    ),
)
content_types = st.one_of(
    st.just(""), st.sampled_from(["text/html; charset=gbk", "text/html; charset=bogus-42", "application/json"]),
    st.text(max_size=40),
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    host=st.sampled_from(HOSTS),
    landing=st.sampled_from(HOSTS),
    path=st.text(max_size=30),
    status=st.integers(min_value=100, max_value=599),
    body=bodies,
    content_type=content_types,
    body_read=st.booleans(),
    retry_after=st.one_of(st.none(), st.text(max_size=40)),
)
def test_classify_never_raises(host, landing, path, status, body, content_type, body_read, retry_after):
    url = f"https://{host}/{path}"
    final = f"https://{landing}/{path}"
    page = Page(url, final, status, content_type, body if body_read else b"", body_read=body_read,
                retry_after=retry_after)  # fmt: skip
    outcome = classify(page)
    assert isinstance(outcome.verdict, Verdict)
    assert outcome.reason
    # A page is only ever dead for a stated reason: a dead status, a tombstone or a tombstone URL.
    if outcome.verdict is Verdict.DEAD:
        assert outcome.reason.startswith(("http-", "tombstone:")), outcome.reason
    # Without a body, content cannot decide anything beyond the status line.
    if not body_read and 200 <= status < 300 and final == url:
        assert outcome.verdict in (Verdict.ALIVE, Verdict.ERROR)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=4096), content_type=content_types)
def test_decode_body_never_raises(body, content_type):
    assert isinstance(decode_body(body, content_type), str)


@given(st.text(max_size=60))
def test_retry_after_parser_never_raises(value):
    seconds = parse_retry_after(value)
    assert seconds is None or seconds >= 0
