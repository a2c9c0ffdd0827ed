"""Canonical URL form: the deduplication and history key, and the URL that is fetched."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from linkcheck.scan.canonical import (
    _PATH_SAFE,
    _QUERY_SAFE,
    _SIMPLE,
    _SIMPLE_RELATIVE,
    _canonicalize,
    _encode,
    _normalize_escapes,
    address_refusal,
    canonicalize,
    plain,
)


def canon(url: str, site_url: str | None = None) -> str:
    return canonicalize(url, site_url).canonical


# --- WeChat ------------------------------------------------------------------------------------


def test_wechat_short_link_drops_query_and_fragment() -> None:
    assert (
        canon("http://mp.weixin.qq.com/s/_b5wRtOMwmGi8N5fxgMFEw?scene=21&chksm=abc#wechat_redirect")
        == "https://mp.weixin.qq.com/s/_b5wRtOMwmGi8N5fxgMFEw"
    )
    assert canon("https://mp.weixin.qq.com/s/oOQfV35x9IJgE0y_ecjntA#rd") == (
        "https://mp.weixin.qq.com/s/oOQfV35x9IJgE0y_ecjntA"
    )


def test_wechat_long_link_keeps_only_identifying_params_in_order() -> None:
    url = (
        "https://mp.weixin.qq.com/s?sn=29d04fbb56a4464b08407eb87d26325e&amp;chksm=fc1ab&amp;idx=1"
        "&amp;mid=2247484969&amp;__biz=MzU1OTMyNDcxMQ==&amp;scene=21&amp;pass_ticket=x#rd"
    )
    assert canon(url) == (
        "https://mp.weixin.qq.com/s?__biz=MzU1OTMyNDcxMQ==&mid=2247484969&idx=1&sn=29d04fbb56a4464b08407eb87d26325e"
    )


def test_wechat_aliases_name_the_same_article() -> None:
    old_style = "http://mp.weixin.qq.com/s?__biz=MzA3MzI4MjgzMw==&appmsgid=10000&itemidx=2&sign=abc#wechat_redirect"
    new_style = "https://mp.weixin.qq.com/s?__biz=MzA3MzI4MjgzMw==&mid=10000&idx=2&sn=abc"
    assert canon(old_style) == canon(new_style) == new_style


def test_wechat_tempkey_link_keeps_its_identifying_params() -> None:
    url = "https://mp.weixin.qq.com/s?__biz=MzA3MzI4MjgzMw==&tempkey=MTAxNl9abc&chksm=1&scene=0#rd"
    assert canon(url) == "https://mp.weixin.qq.com/s?__biz=MzA3MzI4MjgzMw==&tempkey=MTAxNl9abc"
    other = "https://mp.weixin.qq.com/s?__biz=MzA3MzI4MjgzMw==&tempkey=MTAxNl9xyz"
    assert canon(other) != canon(url)


# --- Zhihu -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://zhuanlan.zhihu.com/p/57234648?utm_source=wechat_session&utm_medium=social", None),
        ("http://zhuanlan.zhihu.com/p/57234648/", None),
        ("https://zhuanlan.zhihu.com/p/57234648#heading", None),
        (
            "https://www.zhihu.com/question/466071147/answer/1/?utm_id=0",
            "https://www.zhihu.com/question/466071147/answer/1",
        ),
    ],
)
def test_zhihu_drops_query_and_trailing_slash(url: str, expected: str | None) -> None:
    assert canon(url) == (expected or "https://zhuanlan.zhihu.com/p/57234648")


# --- generic -----------------------------------------------------------------------------------


def test_generic_host_case_default_port_fragment() -> None:
    assert canon("HTTP://WWW.Example.COM:80/Path/A?b=1#frag") == "http://www.example.com/Path/A?b=1"
    assert canon("https://example.com:443") == "https://example.com/"
    assert canon("https://example.com:8443/x/") == "https://example.com:8443/x/"  # trailing slash kept
    assert canon("https://example.com/a?utm_source=x&id=3&spm=y") == "https://example.com/a?id=3"
    assert canon("https://example.com/a?utm_source=x") == "https://example.com/a"


def test_generic_query_is_not_reencoded() -> None:
    # an encoded '&' or '=' in a value stays encoded (decoding it would change the query)
    url = "https://example.com/r?u=http%3A%2F%2Fa.example%2F%3Fx%3D1%26y%3D2&b=%2B1"
    assert canon(url) == url
    assert canon("http://localhost/cgi-bin/cgi.exe?abc") == "http://localhost/cgi-bin/cgi.exe?abc"
    # a GBK-encoded search stays byte-for-byte (decoding it as UTF-8 would corrupt it)
    assert canon("https://www.baidu.com/s?wd=%C4%E3%BA%C3") == "https://www.baidu.com/s?wd=%C4%E3%BA%C3"


def test_chinese_path_equals_its_percent_encoded_form() -> None:
    written = canonicalize("https://baike.baidu.com/item/图灵机")
    encoded = canonicalize("https://baike.baidu.com/item/%E5%9B%BE%E7%81%B5%E6%9C%BA")
    lower = canonicalize("https://baike.baidu.com/item/%e5%9b%be%e7%81%b5%e6%9c%ba")
    assert written.canonical == encoded.canonical == lower.canonical
    assert written.canonical == "https://baike.baidu.com/item/%E5%9B%BE%E7%81%B5%E6%9C%BA"
    assert canon("https://www.google.com/search?q=强化学习") == canon(
        "https://www.google.com/search?q=%E5%BC%BA%E5%8C%96%E5%AD%A6%E4%B9%A0"
    )


def test_en_dash_and_idn_host() -> None:
    assert canon("https://en.wikipedia.org/wiki/Maxwell–Boltzmann_statistics") == (
        "https://en.wikipedia.org/wiki/Maxwell%E2%80%93Boltzmann_statistics"
    )
    assert canonicalize("http://例子.测试/x").host == "xn--fsqu00a.xn--0zwm56d"


def test_amp_entities_are_unescaped() -> None:
    assert canon("http://example.com/a?x=1&amp;y=2") == "http://example.com/a?x=1&y=2"


# --- what is never fetched ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://", "no-host"),
        ("http://192.168.1.1", "private-address"),
        ("http://10.0.0.8:8080/x", "private-address"),
        ("http://127.0.0.1:9090", "loopback"),
        ("http://localhost:6006", "loopback"),
        ("http://LOCALHOST/", "loopback"),
        ("http://[::1]:8000/", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("ftp://mirrors.ustc.edu.cn/gnu/", "scheme:ftp"),
        ("mailto:someone@example.com", "scheme:mailto"),
        ("javascript:void(0)", "scheme:javascript"),
        ("file:///etc/passwd", "scheme:file"),
        ("http://example.com:99999/", "malformed"),
        ("/images/img2/mask_rcnn.png", "site-relative"),
    ],
)
def test_skip_reasons(url: str, reason: str) -> None:
    result = canonicalize(url)
    assert result.skip_reason == reason
    assert result.checkable is False


def test_site_relative_with_and_without_site_url() -> None:
    bare = canonicalize("/images/img2/mask_rcnn.png#x")
    assert (bare.canonical, bare.host, bare.checkable) == ("/images/img2/mask_rcnn.png", "", False)
    based = canonicalize("/images/img2/mask_rcnn.png#x", "https://antkillerfarm.github.io/")
    assert based.canonical == "https://antkillerfarm.github.io/images/img2/mask_rcnn.png"
    assert (based.host, based.checkable, based.skip_reason) == ("antkillerfarm.github.io", True, None)
    # Chinese and encoded site-relative paths are one link too
    assert canon("/tags/强化学习/") == canon("/tags/%E5%BC%BA%E5%8C%96%E5%AD%A6%E4%B9%A0/")


def test_scheme_relative() -> None:
    assert canon("//cdn.example.com/x.js") == "https://cdn.example.com/x.js"


def test_public_urls_are_checkable() -> None:
    result = canonicalize("https://github.com/jasjeetIM/Mask-RCNN")
    assert (result.checkable, result.skip_reason, result.host, result.profile.name) == (
        True,
        None,
        "github.com",
        "github",
    )


# --- the fast path agrees with the general one ---------------------------------------------------

_HOSTS = st.sampled_from(
    [
        "mp.weixin.qq.com",
        "zhuanlan.zhihu.com",
        "www.zhihu.com",
        "blog.csdn.net",
        "someone.blog.csdn.net",
        "github.com",
        "localhost",
        "a.localhost",
        "example.com",
        "x-1.example.org",
    ]
)
_PATH = st.text(alphabet="abcXYZ019-._~/!$'()*+,;=:@", max_size=30).map(lambda p: "/" + p)


def _simple_urls(paths: list[st.SearchStrategy[str]], fragments: list[str]) -> st.SearchStrategy[str]:
    """URLs of the fast path's shape: drawn from its own pattern, or built from the hosts above,
    one of ``paths`` and one of ``fragments``."""
    return st.one_of(
        st.from_regex(_SIMPLE, fullmatch=True),
        st.builds(
            lambda scheme, host, path, frag: f"{scheme}://{host}{path}{frag}",
            st.sampled_from(["http", "https"]),
            _HOSTS,
            st.one_of(*paths),
            st.sampled_from(fragments),
        ),
    )


@settings(max_examples=500, deadline=None)
@given(
    _simple_urls(
        [st.just(""), _PATH, st.just("/s/"), _PATH.map(lambda p: "/s" + p), _PATH.map(lambda p: "/p" + p)],
        ["", "#rd", "#", "#a b"],
    )
)
def test_fast_path_equals_general_path(url: str) -> None:
    fast = canonicalize(url)
    slow = _canonicalize(url, None)
    assert (fast.canonical, fast.host, fast.checkable, fast.skip_reason, fast.profile) == (
        slow.canonical,
        slow.host,
        slow.checkable,
        slow.skip_reason,
        slow.profile,
    )


@settings(max_examples=500, deadline=None)
@given(
    _simple_urls(
        [st.just(""), _PATH, st.just("/s/"), _PATH.map(lambda p: "/p" + p), _PATH.map(lambda p: p + "/")],
        ["", "#rd", "#"],
    )
)
def test_plain_is_canonicalize_and_keeps_a_canonical_url_as_written(url: str) -> None:
    """The scan's merge asks plain() first: it must say what canonicalize says, or None."""
    found = plain(url)
    full = canonicalize(url)
    if found is None:
        assert _SIMPLE.fullmatch(url) is None or "localhost" in url
        return
    assert found == (full.canonical, full.host, full.profile)
    assert (full.checkable, full.skip_reason) == (True, None)
    if found[0] == url:
        assert found[0] is url  # (the very string: the scan's dictionaries reuse its hash)


def _reference_refusal(address: str) -> str | None:
    """address_refusal as first written: ipaddress asked about every host."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private or ip.is_reserved or ip.is_unspecified:
        return "private-address"
    return None


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="0123456789.:abcdefABCDEFx%[]-z\u0661\u00b9", max_size=45),
        st.ip_addresses().map(str),
        st.ip_addresses(v=6).map(lambda ip: f"[{ip}%eth0]"),
    )
)
@example("127.0.0.1")
@example("::ffff:10.0.0.1")
@example("[::1]")
@example("fe80::1%eth0")
@example("1.2.3.\u0661")
def test_address_refusal_skips_ipaddress_only_for_names(address: str) -> None:
    assert address_refusal(address) == _reference_refusal(address)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.from_regex(_SIMPLE_RELATIVE, fullmatch=True),
        st.builds(lambda path, frag: path + frag, _PATH, st.sampled_from(["", "#x", "#", "#a b"])),
        _PATH.map(lambda p: "/" + p),  # scheme-relative: not a site-relative link
    )
)
def test_relative_fast_path_equals_general_path(url: str) -> None:
    assert canonicalize(url) == _canonicalize(url, None)
    assert canonicalize(url, "https://blog.example/") == _canonicalize(url, "https://blog.example/")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.sampled_from([None, "https://blog.example/"]))
def test_never_crashes(text: str, site_url: str | None) -> None:
    for url in (text, "http://" + text, "/" + text):
        result = canonicalize(url, site_url)
        assert isinstance(result.canonical, str)
        assert result.checkable == (result.skip_reason is None)


def test_site_relative_resolves_against_the_site_origin() -> None:
    # Issue #22 item 9: '/x' is an absolute-path reference (RFC 3986 §5.2.2): a browser replaces the
    # whole path of the base URL, so a blog published under /blog/ links /images/a.png at the root.
    assert canon("/images/a.png", "https://example.com/blog/") == "https://example.com/images/a.png"
    assert canon("/images/a.png", "https://example.com/blog") == "https://example.com/images/a.png"
    assert canon("/a/./b/../c.png?x=1#f", "https://example.com:8443/blog/") == "https://example.com:8443/a/c.png?x=1"
    # a site URL at the root is unchanged by the rule
    assert canon("/images/a.png", "https://example.com") == "https://example.com/images/a.png"


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="aZ09_.-~/:@!$&'()*+,;=%?#[] \"<>^`{|}\\\u00e9\u4e2d", max_size=30),
        st.text(max_size=20),
    ),
    st.sampled_from([_PATH_SAFE, _QUERY_SAFE]),
)
def test_encode_skips_quote_only_for_what_quote_leaves(text: str, safe: str) -> None:
    assert _encode(text, safe) == _normalize_escapes(quote(text, safe=safe))
