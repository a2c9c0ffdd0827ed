"""Bodies of the simulated web: fixture pages with the verbatim markers of the decay catalogue.

Marker strings come from ``shared/docs/decay-signatures.md`` §4 (and the condition tables it is
built on); the markup around them imitates the real pages (WeChat ``rich_media`` article, WeUI
notice, Zhihu ``Post-Main``…) so a classifier cannot pass by matching a bare marker alone.

Everything here is computed once and kept as ``bytes``; per-request code only picks a body, or
joins a few cached pieces for the generated (non-fixture) pages.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from functools import lru_cache
from html import escape

UTF8_HTML = "text/html; charset=UTF-8"

# ---------------------------------------------------------------------------------------------
# WeChat (mp.weixin.qq.com)
# ---------------------------------------------------------------------------------------------

WX_LIVE_ID = "KDWh_qGpFN5Vu1TR9t30Mw"
WX_LIVE_TITLE = "AI编程害死我了，给我的抓包软件埋了一个大雷！"
WX_LIVE_BIZ = "MzIyNjMxOTY0NA=="
WX_LIVE_MID = "2247504179"
WX_LIVE_SN = "52c2c5acc9ff4567b10d1408a333693c"

_WEUI_HEAD = (
    '<!DOCTYPE html><html><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1,user-scalable=0">'
    "<title></title>"
    '<link rel="stylesheet" href="https://res.wx.qq.com/open/libs/weui/2.4.4/weui.min.css">'
    "</head><body>\n"
)


def weui(inner: str, *, extra: str = "") -> str:
    """The WeUI notice page (``WEUI(X)`` in the fixture spec): X in ``weui-msg__text-area``."""
    return (
        _WEUI_HEAD + '<div class="weui-msg"><div class="weui-msg__icon-area">'
        '<i class="weui-icon-warn weui-icon_msg-primary"></i></div>\n'
        f'<div class="weui-msg__text-area">{inner}</div><div class="weui-msg__extra-area">'
        '<div class="weui-footer"><p class="weui-footer__links">\n'
        '<a class="weui-footer__link" href="https://mp.weixin.qq.com/webpoc/ruleCenter?type=oa">'
        "微信公众平台运营中心</a></p></div></div></div>\n"
        f"{extra}</body></html>"
    )


# Real tombstones are ~38 KB of inline style/script around the notice (S1); a little of that.
_WEUI_TAIL_SCRIPT = (
    '<script type="text/javascript" nonce="1337">'
    + "".join(f"var __wx_notice_cfg_{i} = {{ ver: '{i}', ts: {1700000000 + i} }};" for i in range(60))
    + "</script>\n"
)

WX_DEL = weui('<div class="weui-msg__title warn">该内容已被发布者删除</div>', extra=_WEUI_TAIL_SCRIPT)
WX_DEL_EN = weui(
    '<div class="weui-msg__title warn">The content has been deleted by the author.</div>',
    extra=_WEUI_TAIL_SCRIPT,
)
WX_VIOL = weui(
    "<h2 class='weui-msg__title title'>此内容因违规无法查看</h2><div class=\"weui-msg__desc\">"
    '<p class="tips">由用户投诉并经平台审核，涉嫌过度营销、骚扰用户，查看<a href="http://mp.weixin.qq.com/'
    'mp/opshowpage?action=oplaw&amp;id=26&amp;t=operation/faq_index#wechat_redirect">对应规则</a></p></div>',
    extra=_WEUI_TAIL_SCRIPT,
)
WX_IPR = weui('<h2 class="weui-msg__title">此内容被投诉且经审核涉嫌侵权，无法查看。</h2>')
WX_COMPLAINTS = weui('<h2 class="weui-msg__title">此内容被多人投诉，相关的内容无法进行查看。</h2>')
WX_SEND_FAILED = weui('<h2 class="weui-msg__title">此内容发送失败无法查看</h2>')
WX_IMPERSONATION = weui(
    '<h2 class="weui-msg__title">该内容已被投诉</h2><p class="weui-msg__desc">投诉类型：冒名侵权</p>'
)
WX_PRIVACY = weui('<h2 class="weui-msg__title">根据作者隐私设置，无法查看该内容</h2>')
WX_ACCT_CLOSED = weui('<h2 class="weui-msg__title">此帐号已自主注销，内容无法查看</h2>')
WX_ACCT_BLOCKED = weui('<h2 class="weui-msg__title">此帐号已被屏蔽, 内容无法查看</h2>')
WX_ACCT_BLOCKED_ALT = weui('<h2 class="weui-msg__title">此账号已被屏蔽, 内容无法查看</h2>')
WX_ACCT_MIGRATING = weui('<h2 class="weui-msg__title">此帐号处于帐号迁移流程中</h2>')
WX_ACCT_IPR = weui('<h2 class="weui-msg__title">此帐号被投诉且经审核涉嫌侵权。此帐号已注销，内容无法查看。</h2>')
WX_TEMP_UNAVAIL = (
    '<html><head><title>该内容暂时无法查看</title></head><body><div class="panel">'
    '<div class="mesg-block"><p>该内容暂时无法查看</p></div></div></body></html>'
)
WX_MIGRATED = weui(
    '<h2 class="weui-msg__title">该公众号已迁移</h2>',
    extra=f"<script>var transferTargetLink = 'https://mp.weixin.qq.com/s/{WX_LIVE_ID}';</script>\n",
)
WX_MIGRATED_NO_TARGET = weui('<h2 class="weui-msg__title">该公众号已迁移</h2>')
WX_EXPIRED = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head>'
    '<body id="activity-detail" class="zh_CN"><div class="weui-msg"><div class="weui-msg__icon-area">'
    '<i class="weui-icon-warn weui-icon_msg"></i></div><div class="weui-msg__text-area">'
    '<h2 class="weui-msg__title">链接已过期</h2></div></div></body></html>'
)
WX_PARAM = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head><body>'
    '<div class="weui-msg"><h2 class="weui-msg__title">参数错误</h2></div>'
    '<script src="//res.wx.qq.com/mmbizwap/zh_CN/htmledition/js/appmsg/error.html"></script>'
    "</body></html>"
)
WX_CAPTCHA = (
    '<html><head><meta charset="utf-8"><title>微信公众平台</title></head>'
    '<body class="zh_CN " ontouchstart=""><div class="weui-msg">\n'
    '<div class="weui-msg__icon-area"><i class="weui-icon-info-circle weui-icon_msg"></i></div>\n'
    '<div class="weui-msg__text-area pc-area"><h2 class="weui-msg__title">环境异常</h2>'
    '<p class="weui-msg__desc">当前环境异常，完成验证后即可继续访问。</p></div>\n'
    '<div class="weui-msg__opr-area"><p class="weui-btn-area">'
    '<a class="weui-btn weui-btn_primary" id="js_verify">去验证</a></p></div></div>\n'
    '<script src="https://res.wx.qq.com/mmbizwap/zh_CN/htmledition/js/secitptpage/verify.js">'
    "</script></body></html>"
)
WX_FREQ = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head><body>'
    '<script>document.write(\'<div class="weui-msg"><h2 class="weui-msg__title">验证身份</h2>'
    '<p class="weui-msg__desc">'
    "你的访问过于频繁，需要从微信打开验证身份，是否需要继续访问当前页面？</p></div>');"
    "document.write('<div class=\"qrcheck_msg\">访问过于频繁，请用微信扫描二维码进行访问</div>');</script>"
    "</body></html>"
)
WX_CLIENT = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head><body>'
    '<div class="weui-msg"><div class="weui-msg__text-area"><p>请在微信客户端打开链接</p></div></div>'
    "</body></html>"
)
WX_RUMOR = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>辟谣</title></head>'
    '<body id="page_rumor" class="page_rumor zh_CN"><div class="rumor_area">'
    '<h2 class="rumor_title">此文章内容已被认定为谣言</h2>'
    '<p class="tips">经微信辟谣中心核实，该文章内容不实。</p>'
    "</div></body></html>"
)
WX_SYSERR = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head><body>'
    '<div class="global_error_msg warn">系统出错，请稍后再试</div></body></html>'
)
WX_DEL_OLD = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head><body>'
    '<div class="page_msg"><div class="inner"><span class="msg_icon_wrapper"><i class="icon_msg warn">'
    '</i></span><div class="msg_content"><div class="global_error_msg warn">该内容已被发布者删除</div>'
    "</div></div></div></body></html>"
)
WX_HOME = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>微信公众平台</title></head><body>'
    '<div class="login_frame"><h3>使用帐号登录</h3></div></body></html>'
)

_TITLES = (
    "深度学习中的注意力机制详解",
    "一文读懂Transformer",
    "从零实现一个分布式键值存储",
    "大模型推理优化：KV Cache 与投机解码",
    "图解强化学习：从 Q-learning 到 PPO",
    "CUDA 编程入门与性能调优",
    "推荐系统召回模型综述",
    "量化交易中的因子挖掘实践",
)


def _pad_css() -> str:
    rules = [
        f".rich_media_area_primary_inner_{i}{{padding:{i % 24}px {i % 16}px;max-width:677px;"
        f"margin:0 auto;font-size:{14 + i % 4}px;line-height:{1.6 + (i % 5) / 10:.1f};"
        f"color:#{i * 2654435761 % 0xFFFFFF:06x}}}"
        for i in range(900)
    ]
    return "".join(rules)


def _pad_js() -> str:
    return "".join(
        f"window.__wx_cfg_{i}={{key:'k{i:04d}',enable:{'true' if i % 3 else 'false'},"
        f"list:[{i},{i * 7 % 101},{i * 13 % 997}],path:'/mp/appmsg_report?action={i}'}};"
        for i in range(700)
    )


_PAD_CSS = _pad_css()  # ~100 KB
_PAD_JS = _pad_js()  # ~55 KB


def _ids(article_id: str) -> tuple[str, str, str, str]:
    digest = hashlib.md5(article_id.encode()).hexdigest()
    biz = "Mz" + hashlib.md5(digest.encode()).hexdigest()[:10].upper() + "=="
    mid = str(2247480000 + int(digest[:6], 16) % 90000)
    return biz, mid, str(1 + int(digest[6], 16) % 4), digest


def mmbiz_image_url(seed: str, n: int = 0) -> str:
    token = hashlib.sha1(f"{seed}/{n}".encode()).hexdigest()
    return f"https://mmbiz.qpic.cn/mmbiz_png/{token}{token[:14].upper()}/640?wx_fmt=png&from=appmsg"


# The article script of real WeChat (res.wx.qq.com, S1 "普通图文"): the body ships hidden
# (``#js_content`` with ``visibility: hidden; opacity: 0;``) and every body image as ``data-src``;
# the page's JavaScript reveals the body and sets each ``src`` to the ``data-src`` URL plus runtime
# parameters (``&tp=webp&wxfrom=5&wx_lazy=1&wx_co=1``, archivers.md §3.1). Without it — a no-JS
# view, or a replay that did not capture it — the article is blank.
WX_APPMSG_JS_PATH = "/mmbizappmsg/zh_CN/htmledition/js/assets/appmsg.lc0001.js"
WX_APPMSG_JS_URL = "https://res.wx.qq.com" + WX_APPMSG_JS_PATH
WX_LAZY_PARAMS = "tp=webp&wxfrom=5&wx_lazy=1&wx_co=1"
WX_APPMSG_JS = (
    "(function(){"
    "var imgs=document.querySelectorAll('img[data-src]');"
    "for(var i=0;i<imgs.length;i++){var s=imgs[i].getAttribute('data-src');"
    "imgs[i].setAttribute('src',s+(s.indexOf('?')<0?'?':'&')+'" + WX_LAZY_PARAMS + "');}"
    "var c=document.getElementById('js_content');"
    "if(c){c.style.visibility='visible';c.style.opacity='1';}"
    "})();"
).encode()


def wx_article(
    article_id: str,
    *,
    title: str | None = None,
    ids: tuple[str, str, str, str] | None = None,
    content: str | None = None,
    share_page: bool = False,
    pad_kb: int = 0,
    images: int = 3,
) -> bytes:
    """A live WeChat article (Block A shape), ~160 KB, with ``images`` body images (``data-src``)
    and the hidden body the article script reveals; ``share_page``: image share (show type 8)."""
    if title is None:
        title = _TITLES[int(hashlib.md5(article_id.encode()).hexdigest()[:4], 16) % len(_TITLES)]
    biz, mid, idx, sn = ids or _ids(article_id)
    imgs = "".join(
        f'<p style="text-align:center;"><img class="rich_pages wxw-img" data-ratio="0.5625" '
        f'data-s="300,640" data-src="{escape(mmbiz_image_url(article_id, n))}" data-type="png" '
        f'data-w="1080" style=""></p>'
        for n in range(images)
    )
    if content is None:
        content = (
            f"<p>本文介绍{escape(title)}的背景、原理与实践。</p>{imgs}"
            "<p>正文……以下内容来自作者的实践笔记，代码与数据均已开源。</p>"
            '<section><span style="font-size:15px;">欢迎关注、点赞、在看。</span></section>'
        )
    else:
        content = content + imgs
    safe_title = escape(title)
    if share_page:
        article = (
            '<div id="js_article" class="share_content_page">'
            f'<h1 class="rich_media_title " id="activity-name">{safe_title}</h1>'
            f'<div class="share_media_swiper">{imgs}</div></div>\n'
            "<script>window.picture_page_info_list = [{cdn_url: '"
            + mmbiz_image_url(article_id)
            + "', width: 1080, height: 608}];</script>\n"
        )
        show_type = "window.item_show_type = '8' || '';"
    else:
        article = (
            '<div id="js_article" style="position:relative;" class="rich_media">'
            '<div class="rich_media_inner"><div id="page-content" class="rich_media_area_primary">'
            f'<h1 class="rich_media_title " id="activity-name">{safe_title}</h1>\n'
            '<div id="meta_content" class="rich_media_meta_list"><span class="rich_media_meta '
            'rich_media_meta_text">作者</span><em id="publish_time" class="rich_media_meta '
            'rich_media_meta_text"></em></div>\n'
            '<div class="rich_media_content js_underline_content" id="js_content" '
            f'style="visibility: hidden; opacity: 0;">{content}</div></div></div></div>\n'
        )
        show_type = 'var item_show_type = "0"; var real_item_show_type = "0";'
    padding = ""
    if pad_kb:
        unit = f"<!-- {_PAD_JS[:1000]} -->\n"
        padding = unit * (pad_kb * 1024 // len(unit.encode()) + 1)
    return (
        '<!DOCTYPE html><html class=""><head><meta http-equiv="Content-Type" content="text/html; '
        'charset=utf-8"><meta name="viewport" content="width=device-width,initial-scale=1.0,'
        'maximum-scale=1.0,user-scalable=0,viewport-fit=cover">\n'
        f'<meta property="og:title" content="{safe_title}" />\n'
        f'<meta property="og:url" content="https://mp.weixin.qq.com/s/{article_id}" />\n'
        f'<meta property="og:image" content="{escape(mmbiz_image_url(article_id))}" />\n'
        '<meta property="og:description" content="" />'
        '<meta property="og:site_name" content="微信公众平台" />\n'
        '<meta property="og:type" content="article" /><title></title>\n'
        f'<style>{_PAD_CSS}</style>\n</head><body id="activity-detail" class="zh_CN wx_wap_page">\n'
        f"{article}{padding}"
        f'<script type="text/javascript" nonce="899229603">{_PAD_JS}</script>\n'
        f'<script type="text/javascript" nonce="899229603">var biz = "{biz}" || ""; '
        f'var sn = "{sn}" || "" || "";\nvar mid = "{mid}" || "" || ""; var idx = "{idx}" || "" || ""; '
        f"{show_type}\nvar ct = \"1762747210\"; var msg_title = '{safe_title}'.html(false);\n"
        f'var msg_link = "http://mp.weixin.qq.com/s?__biz={biz}&amp;mid={mid}&amp;idx={idx}&amp;sn={sn}#rd";'
        f'</script>\n<script type="text/javascript" src="{WX_APPMSG_JS_URL}" nonce="899229603"></script>'
        "</body></html>"
    ).encode()


WX_LIVE_IDS = (WX_LIVE_BIZ, WX_LIVE_MID, "1", WX_LIVE_SN)


@lru_cache(maxsize=1)
def wx_live() -> bytes:
    return wx_article(WX_LIVE_ID, title=WX_LIVE_TITLE, ids=WX_LIVE_IDS)


@lru_cache(maxsize=1)
def wx_live_gzip() -> bytes:
    return gzip_bytes(wx_live())


@lru_cache(maxsize=1)
def wx_live_big() -> bytes:
    """The real size of a live article (2.3–4.0 MB in S1): markers at the start and the end."""
    return wx_article(WX_LIVE_ID, title=WX_LIVE_TITLE, ids=WX_LIVE_IDS, pad_kb=3 * 1024)


@lru_cache(maxsize=4)
def wx_live_quote(article_id: str, quoted: str) -> bytes:
    """Trap (a): a live article whose body quotes a notice, inside ``#js_content``."""
    content = (
        f"<p>很多同学问：文章打开后显示“{quoted}”是什么意思？下面是截图里的原文：</p>"
        f'<section class="weui-msg__title warn">{quoted}</section>'
        f"<blockquote><p>{quoted}</p></blockquote><p>这说明原文已经不可访问，下面介绍如何提前存档。</p>"
    )
    return wx_article(article_id, title="公众号文章为什么会消失？", content=content)


WX_TEMPLATE_TITLE = "Jekyll 模板入门：{{ page.title }} 与 {% for %} 怎么写"
WX_TEMPLATE_CODE = '{% for post in site.posts %}\n  <a href="{{ post.url }}">{{ post.title }}</a>\n{% endfor %}'


def wx_template_code(article_id: str) -> bytes:
    """A live tutorial quoting Liquid/Jinja-style template code, as technical accounts often do:
    ``{{ … }}`` and ``{% … %}`` in its title, its text and a WeChat code snippet (``pre.code-snippet``)."""
    content = (
        "<p>Jekyll 的模板语言是 Liquid：输出用 {{ 变量 }}，逻辑用 {% 标签 %}。下面列出全部文章：</p>"
        '<section class="code-snippet__fix code-snippet__js"><pre class="code-snippet__js" data-lang="html">'
        f"<code><span>{escape(WX_TEMPLATE_CODE)}</span></code></pre></section>"
        "<p>注意：文章里要原样显示这些标签时，需要用 raw 包起来。</p>"
    )
    return wx_article(article_id, title=WX_TEMPLATE_TITLE, content=content, images=2)


@lru_cache(maxsize=64)  # ~190 KB each; building one takes ~0.3 ms
def wx_generic(article_id: str, images: int = 3, title: str | None = None) -> bytes:
    return wx_article(article_id, images=images, title=title)


@lru_cache(maxsize=64)
def wx_generic_long(biz: str, mid: str, idx: str, sn: str, images: int = 3, title: str | None = None) -> bytes:
    return wx_article(f"{biz}_{mid}_{idx}", ids=(biz, mid, idx, sn), images=images, title=title)


WX_ALBUM = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta property="og:title" content="合集" />'
    "<title>合集</title></head><body>"
    '<div id="js_article" class="album_page">'
    '<div class="album__head"><h1 class="album__title">合集</h1></div>'
    '<ul class="album__list js_album_list"><li class="album__list-item">第一篇</li></ul></div>'
    "</body></html>"
)

# ---------------------------------------------------------------------------------------------
# mmbiz.qpic.cn images
# ---------------------------------------------------------------------------------------------


def _png(width: int = 16, height: int = 9) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(v for x in range(width) for v in (x * 15 % 256, 120, (200 - x * 9) % 256))
    raw = row * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


PNG = _png()
MMBIZ_FORBIDDEN = b"<html><body><h1>403 Forbidden</h1></body></html>"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=4096)
def image_png(path: str, pad: int = 0) -> bytes:
    """The picture served at an image ``path`` (query excluded: WeChat's runtime variants of one
    image are the same picture): :data:`PNG` with a text chunk naming the path, so every image has
    bytes of its own; ``pad`` bytes of incompressible filler make it the size of a real one."""
    text = _chunk(b"tEXt", b"Comment\x00" + path.encode("utf-8", "replace")[:200])
    filler = b""
    if pad > 0:
        filler = _chunk(b"lcPd", hashlib.shake_256(path.encode()).digest(pad))  # ancillary: ignored
    return PNG[:33] + text + filler + PNG[33:]


# ---------------------------------------------------------------------------------------------
# Zhihu
# ---------------------------------------------------------------------------------------------

_ZH_HEAD = (
    '<!doctype html><html lang="zh" data-hairline="true" class="itcauecng" data-theme="light"><head>'
    '<meta charset="utf-8"><title data-rh="true">{title}</title>'
    '<meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1">'
    '<link rel="shortcut icon" type="image/x-icon" href="https://static.zhihu.com/heifetz/favicon.ico">'
    '<link href="https://static.zhihu.com/heifetz/main.app.css" rel="stylesheet"></head><body>'
    '<div id="root"><div class="App"><header class="AppHeader"><a href="//www.zhihu.com" '
    'aria-label="知乎">知乎</a></header><main role="main" class="App-main">'
)
# Zhihu's front-end bundle (static.zhihu.com): server-rendered text is visible without it, but every
# figure ships as a lazy ``<img>`` whose ``src`` is an empty SVG placeholder, the picture in
# ``data-actualsrc``/``data-original`` (plus a ``<noscript>`` copy); the script swaps them in
# (archivers.md §3.2, qsniyg/maxurl#1461).
ZH_LAZY_JS_PATH = "/heifetz/main.lazyimg.lc0001.js"
ZH_LAZY_JS_URL = "https://static.zhihu.com" + ZH_LAZY_JS_PATH
ZH_LAZY_JS = (
    b"(function(){"
    b"var imgs=document.querySelectorAll('img.lazy[data-actualsrc]');"
    b"for(var i=0;i<imgs.length;i++){imgs[i].setAttribute('src',imgs[i].getAttribute('data-actualsrc'));"
    b"imgs[i].classList.remove('lazy');}"
    b"})();"
)
_ZH_FOOT = f'</main></div></div>{{script}}<script src="{ZH_LAZY_JS_URL}"></script></body></html>'


def zhimg_image_url(seed: str, n: int = 0, size: str = "r") -> str:
    token = hashlib.sha1(f"zhimg/{seed}/{n}".encode()).hexdigest()[:32]
    return f"https://pic{1 + n % 4}.zhimg.com/v2-{token}_{size}.png"


def zh_figures(seed: str, count: int = 2) -> str:
    """Zhihu's figure markup: a <noscript> copy and the lazy image with its SVG placeholder."""
    placeholder = (
        "data:image/svg+xml;utf8,&lt;svg xmlns=&#39;http://www.w3.org/2000/svg&#39; "
        "width=&#39;1080&#39; height=&#39;608&#39;&gt;&lt;/svg&gt;"
    )
    figures = []
    for n in range(count):
        original, actual = zhimg_image_url(seed, n, "r"), zhimg_image_url(seed, n, "720w")
        attrs = (
            f'data-caption="" data-size="normal" data-rawwidth="1080" data-rawheight="608" width="1080" '
            f'data-original="{original}"'
        )
        figures.append(
            f'<figure data-size="normal"><noscript><img src="{actual}" {attrs} '
            'class="origin_image zh-lightbox-thumb"/></noscript>'
            f'<img src="{placeholder}" {attrs} data-actualsrc="{actual}" '
            'class="origin_image zh-lightbox-thumb lazy"/><figcaption>图 ' + str(n + 1) + "</figcaption></figure>"
        )
    return "".join(figures)


def zh_article(post_id: str, title: str = "一篇专栏文章") -> bytes:
    """Block C: a live Zhihu column article (with two lazy figures)."""
    return (
        _ZH_HEAD.format(title=f"{escape(title)} - 知乎")
        + f'<div class="Post-content"><article class="Post-Main Post-NormalMain" tabindex="-1">'
        f'<header class="Post-Header"><h1 class="Post-Title">{escape(title)}</h1></header>'
        '<div class="Post-RichTextContainer"><div class="css-1yuhvjn"><div class="RichText ztext '
        f'Post-RichText"><p>正文……</p>{zh_figures(post_id)}<p>这是一篇写给初学者的专栏文章。</p></div></div></div>'
        "</article></div>"
        + _ZH_FOOT.format(
            script='<script id="js-initialData" type="text/json">{"initialState":{"entities":{"articles":'
            f'{{"{post_id}":{{"id":{post_id},"title":"{escape(title)}"}}}}}}}}}}</script>'
        )
    ).encode()


def zh_question(qid: str, title: str, answer_slot: str) -> bytes:
    return (
        _ZH_HEAD.format(title=f"{escape(title)} - 知乎")
        + '<div class="QuestionPage"><div class="QuestionHeader"><div class="QuestionHeader-content">'
        f'<h1 class="QuestionHeader-title">{escape(title)}</h1></div></div>'
        f'<div class="Question-main"><div class="QuestionAnswer-content">{answer_slot}</div></div></div>'
        + _ZH_FOOT.format(
            script='<script id="js-initialData" type="text/json">{"initialState":{"entities":{"questions":'
            f'{{"{qid}":{{"id":{qid},"title":"{escape(title)}"}}}}}}}}}}</script>'
        )
    ).encode()


ZH_LIVE_P = zh_article("486808688")
ZH_LIVE_Q = zh_question(
    "296904119",
    "为什么深度学习需要大量数据？",
    '<div class="ContentItem AnswerItem" data-zop=\'{"type":"answer"}\'><div class="RichContent">'
    '<div class="RichContent-inner"><span class="RichText ztext"><p>正文…</p>'
    + zh_figures("296904119", 1)
    + "</span></div></div></div>",
)
# The answer slot of a live question says the answer is gone (tombstone regex in sites.ZHIHU).
ZH_ANS_DEL = zh_question("32237946", "如何评价这本书？", '<div class="ContentItem">该回答已被删除</div>')
ZH_404 = (
    '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
    "<title>你似乎来到了没有知识存在的荒原 - 知乎</title></head><body>"
    '<div class="ErrorPage"><div class="ErrorPage-container"><h1 class="ErrorPage-title">'
    '你似乎来到了没有知识存在的荒原</h1><p class="ErrorPage-subtitle">5 秒后自动跳转至知乎首页</p>'
    '<a href="https://www.zhihu.com">去往首页</a></div></div>'
    "<script>setTimeout(function(){location.href='https://www.zhihu.com'},5000)</script></body></html>"
)
ZH_ZSECK = (
    '<!doctype html><html><head><meta charset="utf-8"><meta id="zh-zse-ck" content="a1b2c3">'
    '<script crossorigin="" data-assets-tracker-config=\'{"appName":"zse_ck"}\' '
    'src="https://static.zhihu.com/zse-ck/v4/0f1e2d3c.js"></script></head><body></body></html>'
)
ZH_UNHUMAN = (
    '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>安全验证 - 知乎</title></head>'
    '<body><div class="Unhuman"><div class="Unhuman-tips"><p>系统监测到您的网络环境存在异常，'
    "为保证您的正常访问，请输入验证码进行验证。若频繁出现此页面，可尝试登录后访问知乎</p></div>"
    '<div class="Unhuman-captcha"><img class="Unhuman-captcha-img" alt="验证码"></div>'
    '<button type="button" class="Button Unhuman-login">确定</button></div></body></html>'
)
ZH_SIGNIN = (
    '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>知乎 - 有问题，就会有答案</title>'
    '</head><body><div class="SignFlowHomepage"><div class="SignFlowHomepage-content">'
    '<div class="SignContainer-content">有问题，就会有答案打开知乎App在「我的页」右上角打开扫一扫其他扫码方式'
    '<div class="SignFlow-tabs">验证码登录 密码登录</div></div></div></div></body></html>'
)
ZH_COMPAT = (
    '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>知乎 - 浏览器版本过低</title>'
    "</head><body><p>你正在使用的浏览器版本过低，将不能正常浏览和使用知乎。</p></body></html>"
)
ZH_IPBAN = "<html><body>403 Forbidden</body></html>"
ZH_API_40362 = '{"error":{"message":"您当前请求存在异常，暂时限制本次访问","code":40362}}'
ZH_API_40352 = (
    '{"error":{"need_login":true,"redirect":"https://www.zhihu.com/account/unhuman?type=S6E3V1&'
    'need_login=true","code":40352,"message":"系统监测到您的网络环境存在异常"}}'
)
ZH_HOME = _ZH_HEAD.format(title="知乎 - 有问题，就会有答案") + _ZH_FOOT.format(script="")

# ---------------------------------------------------------------------------------------------
# Other platforms
# ---------------------------------------------------------------------------------------------


# The toolbar every blog.csdn.net page loads (docs/page-shapes.md).
CSDN_TOOLBAR = '<script src="https://g.csdnimg.cn/common/csdn-toolbar/csdn-toolbar.js" type="text/javascript"></script>'


def csdn_article(title: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}_CSDN博客</title></head><body>{CSDN_TOOLBAR}"
        '<div class="main_father"><main><div class="blog-content-box"><div class="article-header-box">'
        f'<h1 class="title-article" id="articleContentId">{escape(title)}</h1></div>'
        '<article class="baidu_pl"><div id="article_content" class="article_content clearfix">'
        '<div id="content_views" class="markdown_views prism-atom-one-dark"><p>正文</p>'
        "<p>本文记录了一次排查过程。</p></div></div></article></div></main></div></body></html>"
    ).encode()


CSDN_LIVE = csdn_article("标题")


def _csdn_list(user: str, heading: str, first_id: int) -> str:
    """The article list of a user's home page, category or column: one box per article, as CSDN
    writes them (div.article-item-box, the class scrapers of users' pages select: docs/page-shapes.md)."""
    items = "".join(
        f'<div class="article-item-box csdn-tracking-statistics" data-articleid="{first_id + n}"><h4 class="">'
        f'<a href="https://blog.csdn.net/{escape(user)}/article/details/{first_id + n}" target="_blank">'
        f'<span class="article-type type-1 float-none">原创</span>文章 {n + 1}</a></h4>'
        '<p class="content">摘要……</p></div>'
        for n in range(3)
    )
    return f'<div class="article-list"><h3>{escape(heading)}</h3>{items}</div>'


def csdn_user_home(user: str) -> bytes:
    """A user's home page (blog.csdn.net/<user>, <user>.blog.csdn.net/): no article body."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(user)}的博客_CSDN博客</title></head><body>{CSDN_TOOLBAR}"
        f'<div class="user-profile-head"><div class="user-profile-head-name">{escape(user)}</div></div>'
        f'<div class="navList-box">{_csdn_list(user, "最新文章", 1000)}</div></body></html>'
    ).encode()


def csdn_category(user: str, category: str) -> bytes:
    """A user's category page (/<user>/article/category/<n>, /<user>/category_<n>.html)."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>分类 {escape(category)}_{escape(user)}的博客-CSDN博客</title></head><body>{CSDN_TOOLBAR}"
        f'<div class="column_info_box"><h2>分类 {escape(category)}</h2></div>'
        f"{_csdn_list(user, '分类文章', 2000)}</body></html>"
    ).encode()


def csdn_column(slug: str) -> bytes:
    """An old column page (/column/details/<slug>.html)."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(slug)} - CSDN专栏</title></head><body>{CSDN_TOOLBAR}"
        f'<div class="column_info_box"><h2 class="column_title">{escape(slug)}</h2></div>'
        f"{_csdn_list('columnist', '专栏文章', 3000)}</body></html>"
    ).encode()


CSDN_404 = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head><body>'
    '<div class="error-page"><p>404 您访问的页面不存在</p></div></body></html>'
)
CSDN_WAF = "<html><script>var arg1='3E40CCD6747E0A3C8A0C2B4F';</script></html>"


def cnblogs_post(title: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="zh-cn"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - 博客园</title></head><body>"
        f'<div id="post_detail"><div class="post"><h1 class="postTitle"><a id="cb_post_title_url" '
        f'class="postTitle2"><span>{escape(title)}</span></a></h1><div class="postBody">'
        '<div id="cnblogs_post_body" class="blogpost-body cnblogs-markdown"><p>正文。</p></div>'
        "</div></div></div></body></html>"
    ).encode()


CNBLOGS_LIVE = cnblogs_post("一篇博客园随笔")
CNBLOGS_404 = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head><body>'
    "<h2>404 - 找不到文件或目录。</h2></body></html>"
)
CNBLOGS_HOLD = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>博文审核 - 博客园</title></head><body>'
    "<p>该博文正在审核中，审核通过后即可访问。</p></body></html>"
)
SOHU_404 = '<html><head><meta charset="utf-8"><title>页面不存在</title></head><body></body></html>'
SOHU_HOME = '<html><head><meta charset="utf-8"><title>搜狐</title></head><body><div id="main-news"></div></body></html>'
SOHU_LIVE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>一篇搜狐号文章_搜狐</title></head><body>'
    '<div class="text"><div class="text-title"><h1>一篇搜狐号文章</h1></div>'
    '<article class="article" id="mp-editor"><p>正文。</p></article></div></body></html>'
)
QQ_NOTFOUND = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>腾讯网-404</title></head><body>'
    '<div class="notfound">很抱歉，您要访问的页面不存在！</div></body></html>'
)
QQ_LIVE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>一篇腾讯新闻_腾讯新闻</title></head><body>'
    '<div class="LEFT"><h1>一篇腾讯新闻</h1><div class="content clearfix"><div class="content-article">'
    '<p class="one-p">正文。</p></div></div></div></body></html>'
)
JIANSHU_UA = (
    "<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1>"
    "<p>You don't have permission to access the URL on this server.</p>"
    "<p>denied by UA ACL = blacklist</p></body></html>"
)
JIANSHU_LIVE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>一篇简书文章 - 简书</title></head><body>'
    '<section class="ouvJEz"><h1 class="_1RuRku">一篇简书文章</h1><article class="_2rhmJa"><p>正文。</p>'
    "</article></section></body></html>"
)
JIANSHU_404 = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>您要找的页面不存在 - 简书</title></head>'
    "<body><p>抱歉，你访问的页面不存在。</p></body></html>"
)
BAIDU_CAPTCHA = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>百度安全验证</title></head><body>'
    '<div class="wappass"><div class="timeout-title">网络不给力，请稍后重试</div>'
    '<div class="vcode-body"></div></div></body></html>'
)
BAIJIAHAO_LIVE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>一篇百家号文章</title></head><body>'
    '<div class="index-module_articleWrap_2Zphx"><div class="index-module_articleTitle_28fPT">'
    '<h1>一篇百家号文章</h1></div><div data-testid="article"><p>正文。</p></div></div></body></html>'
)
BILI_404 = '{"code":-404,"message":"啥都木有","ttl":1}'
BILI_412 = '{"code":-412,"message":"request was banned","ttl":1}'


def bili_view(bvid: str) -> bytes:
    return (
        '{"code":0,"message":"0","ttl":1,"data":{"bvid":"' + bvid + '","aid":170001,"title":"一个视频",'
        '"pubdate":1600000000,"owner":{"mid":1,"name":"up"}}}'
    ).encode()


BILI_VIDEO_404 = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>出错啦! - bilibili.com</title></head><body>'
    '<div class="error-container"><p class="error-text">啊叻？视频不见了？</p></div></body></html>'
)
BILI_VIDEO_LIVE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>一个视频_哔哩哔哩_bilibili</title></head>'
    '<body><div id="viewbox_report"><h1 class="video-title">一个视频</h1></div></body></html>'
)
GH_DMCA = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Repository unavailable due to '
    "DMCA takedown · GitHub</title></head><body><main><h3>Repository unavailable due to DMCA takedown.</h3>"
    "<p>This repository is currently disabled due to a DMCA takedown notice.</p></main></body></html>"
)
GH_404 = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Page not found · GitHub</title>'
    '</head><body><main><img alt="404 “This is not the web page you are looking for”"></main></body></html>'
)


def github_repo(owner: str, repo: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>GitHub - {escape(owner)}/{escape(repo)}</title>"
        f'<meta property="og:title" content="{escape(owner)}/{escape(repo)}"></head><body><main>'
        f'<strong itemprop="name"><a href="/{escape(owner)}/{escape(repo)}">{escape(repo)}</a></strong>'
        '<article class="markdown-body entry-content"><h1>README</h1></article></main></body></html>'
    ).encode()


# ---------------------------------------------------------------------------------------------
# Parked and expired domains (docs/parked-domains.md: P1–P9 are its sources)
# ---------------------------------------------------------------------------------------------


def _label(domain: str) -> str:
    return domain.split(".")[-2] if domain.count(".") else domain


def parked_sedo(domain: str) -> bytes:
    """Sedo's parking page (P1, P2): the sale notice as title and description, Sedo's assets from
    sedoparking.com, a script that sends the visitor on to a search page of the domain."""
    d, label = escape(domain), escape(_label(domain))
    return (
        '<!doctype html>\n<html lang="en">\n  <head>\n'
        f"    <title>{d} - This website is for sale! - {label} Resources and Information.</title>\n"
        f'    <meta name="description" content="This website is for sale! {d} is your first and best source for '
        f"information about {label}. Here you will also find topics relating to issues of general interest. "
        'We hope you find what you are looking for!">\n'
        '    <link rel="icon" href="//img.sedoparking.com/templates/logos/sedo_logo.png">\n  </head>\n  <body>\n'
        '    <img src="https://img.sedoparking.com/images/js_preloader.gif" alt="">\n'
        f'    <script>\n      window.location = "//{d}/search/redirect.php?f='
        f'http%3A%2F%2Fquickresultonline.com%3Fdn%3D{d}";\n'
        "    </script>\n  </body>\n</html>\n"
    ).encode()


def parked_bodis(domain: str, path: str) -> bytes:
    """A Bodis / ParkingCrew lander (P3, P4): an empty page whose script (named at random per
    domain) draws the ads from ``window.park``, base64 JSON about the request."""
    import base64

    state = json.dumps(
        {"uuid": hashlib.md5(domain.encode()).hexdigest(), "page_time": 1710526869,
         "page_url": f"https://{domain}{path}", "page_method": "GET", "page_request": {},
         "page_headers": {}, "host": domain, "ip": "203.0.113.7"},
        separators=(",", ":"),
    )  # fmt: skip
    park = base64.b64encode(state.encode()).decode()
    script = "b" + hashlib.sha1(domain.encode()).hexdigest()[:8] + ".js"
    return (
        '<!DOCTYPE html>\n<html data-adblockkey="MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANDrp2lz7AOmADaN8tA50LsWcjLFyQFcb'
        '/P2Txc58oYOeILb3vBw7J6f4pamkAQVSQuqYsKx3YzdUHCvbVZvFUsCAwEAAQ==_PARKED" lang="en" '
        'style="background: #2B2B2B;">\n'
        '<head>\n    <meta charset="utf-8">\n    <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '    <link rel="preconnect" href="https://www.google.com" crossorigin>\n</head>\n<body>\n'
        f'<div id="target" style="opacity: 0"></div>\n<script>window.park = "{park}";</script>\n'
        f'<script src="/{script}"></script>\n</body>\n</html>\n'
    ).encode()


# GoDaddy (P5): every path of a parked domain answers this stub, which sends the browser to /lander,
# a React page drawn from img1.wsimg.com/parking-lander with nothing in its HTML but a root <div>.
GODADDY_STUB = (
    b'<!DOCTYPE html><html><head><script>window.onload=function(){window.location.href="/lander"}</script>'
    b"</head></html>"
)
GODADDY_LANDER = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"/>'
    b'<meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1,user-scalable=no"/>'
    b'<script>window.LANDER_SYSTEM="PW"</script>'
    b'<script>window._trfd=window._trfd||[],window._trfd.push({ap:"parking"})</script>'
    b'<script async src="https://img1.wsimg.com/signals/js/clients/scc-c2/scc-c2.min.js"></script>'
    b'<script defer="defer" src="https://img1.wsimg.com/parking-lander/static/js/main.98fc5cd3.js"></script>'
    b'<link href="https://img1.wsimg.com/parking-lander/static/css/main.1a427d5f.css" rel="stylesheet"/>'
    b'</head><body><div id="root"></div></body></html>'
)


def parked_saleform(domain: str) -> bytes:
    """A registrar's "for sale" holding page (P4): the notice as its headline, an inquiry form."""
    d = escape(domain)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{d}</title></head><body>'
        "<h1>This domain is for sale</h1>"
        f"<p>{d} is available for purchase. Make an offer below.</p>"
        "<form action='/saleform' method='post'><input name='email'><input name='offer'>"
        "<button>Make offer</button></form></body></html>"
    ).encode()


def parked_zh(domain: str) -> bytes:
    """A Chinese domain-sale page (P7): "<domain> — 域名转让" as title, 域名出售 as a badge, the notice
    "该域名正在出售，欢迎洽谈收购。" and a button to the seller's contact page."""
    d = escape(domain)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="UTF-8">\n'
        f"<title>{d} — 域名转让</title>\n"
        '<meta name="description" content="该域名正在出售，欢迎洽谈收购。">\n</head>\n<body>\n'
        '<div class="wrap">\n  <div class="badge">域名出售</div>\n'
        f'  <div class="domain">{d}</div>\n  <p class="desc">该域名正在出售，欢迎洽谈收购。</p>\n'
        '  <a href="https://www.example.cn/contact" class="cta" target="_blank" rel="noopener noreferrer">'
        "立即洽谈收购</a>\n"
        '  <p class="footer-note">点击按钮将跳转至联系方式页面，请放心访问</p>\n</div>\n</body>\n</html>\n'
    ).encode()


def market_sale_page(market: str, domain: str) -> bytes:
    """A domain market's sale page for ``domain`` (where Dan.com and Afternic send a parked domain)."""
    d = escape(domain)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{d} is for sale | {escape(market)}</title>'
        f"</head><body><main><h1>{d}</h1><p>This domain is for sale.</p><p>Buy now or make an offer.</p></main>"
        "</body></html>"
    ).encode()


# Live pages that quote parking pages: they must stay alive.
PARKING_ARTICLE = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
    "<title>过期域名与停放页：链接为什么“活着”却没了内容</title></head><body><article>"
    "<h1>过期域名与停放页：链接为什么“活着”却没了内容</h1>"
    "<p>旧文章引用的小网站，域名过期后常被域名商停放，页面标题变成 "
    "“shellmagic.xyz - This website is for sale! - shellmagic Resources and Information.”，"
    "或者只剩一行 This domain may be for sale，或者中文的“该域名可转让”“域名出售”。</p>"
    '<p>参考：<a href="https://shellmagic.xyz/">shellmagic.xyz - This website is for sale! - shellmagic '
    "Resources and Information.</a></p>"
    "<h2>域名出售</h2><p>域名市场会把停放的域名挂出来卖，例如 Dan.com、Afternic、Sedo。</p>"
    "<h2>This domain is for sale</h2><p>GoDaddy 的停放页几乎没有 HTML，只有脚本：</p>"
    '<pre><code>&lt;script&gt;window.LANDER_SYSTEM="PW"&lt;/script&gt;\n'
    '&lt;script defer src="https://img1.wsimg.com/parking-lander/static/js/main.98fc5cd3.js"&gt;&lt;/script&gt;\n'
    '&lt;script&gt;window.onload=function(){window.location.href="/lander"}&lt;/script&gt;\n'
    '&lt;html data-adblockkey="MFww…"&gt;&lt;script&gt;window.park = "eyJ1dWlkIjoi…";&lt;/script&gt;\n'
    '&lt;link rel="icon" href="//img.sedoparking.com/templates/logos/sedo_logo.png"&gt;</code></pre>'
    "<p>所以判断停放页要看页面本身的结构，而不是文中出现的句子。</p></article></body></html>"
).encode()
# A live tool page whose footer offers its domain for sale (P8: a real site's footer) — the notice
# is neither its title nor its headline.
FOOTER_SALE_TOOL = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>在线加密解密工具</title></head><body>'
    '<div class="tool"><h1>在线加密解密</h1><textarea name="data" placeholder="待处理数据"></textarea>'
    '<button id="encrypt">加密</button><button id="decrypt">解密</button>'
    '<textarea name="result" placeholder="处理后数据"></textarea></div>'
    '<div class="copyright">&copy; 2020 <a href="http://www.beian.miit.gov.cn/" target="_blank">渝ICP备00000000号</a>'
    "<br>该域名可转让 有意者请联系 info@example.cn</div></body></html>"
).encode()


def generic_page(host: str, path: str, title: str | None = None) -> bytes:
    """The long tail of a blog's hosts in the demo: a small ordinary live page, its own title and
    words per path (as every article of a real site has: no two pages of a host look alike).
    ``title``: the article's (a real page's <title> is its article's title and then, often, its
    site's name)."""
    digest = hashlib.sha1(f"{host}{path}".encode()).hexdigest()
    words = " ".join(_GENERIC_WORDS[int(digest[i : i + 2], 16) % len(_GENERIC_WORDS)] for i in range(0, 24, 2))
    shown = f"{escape(title)} | {escape(host)}" if title is not None else f"{escape(host)} · 文章 {digest[:8]}"
    heading = escape(title) if title is not None else escape(host)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{shown}</title>'
        f"</head><body><h1>{heading}</h1><p>Simulated page for {escape(path)}.</p><p>{words}</p></body></html>"
    ).encode()


_GENERIC_WORDS = (
    "编译器", "内核", "调度", "缓存", "网络", "协议", "数据库", "索引", "事务", "并发", "内存", "分布式",
    "compiler", "kernel", "cache", "latency", "socket", "parser", "schema", "replica", "thread", "vector",
)  # fmt: skip


def bench_page(host: str, n: str) -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>page {n}</title></head><body>'
        f"<h1>{host} page {n}</h1><p>benchmark body</p></body></html>"
    ).encode()


# ---------------------------------------------------------------------------------------------
# behave.test
# ---------------------------------------------------------------------------------------------

OK = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>ok</title></head><body>ok</body></html>'
GBK_TEXT = "这是一个用GBK编码的中文页面，用来测试字符集探测。"
GBK_META = (
    f'<html><head><meta charset="gbk"><title>中文页面</title></head><body><p>{GBK_TEXT}</p></body></html>'
).encode("gbk")
GBK_HEADER_ONLY = f"<html><head><title>中文页面</title></head><body><p>{GBK_TEXT}</p></body></html>".encode("gbk")
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HUGE_CHUNK = (b"<p>" + b"x" * 1016 + b"</p>\n") * 64  # 64 KiB


def gzip_bytes(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


@lru_cache(maxsize=1)
def _zero_block() -> bytes:
    """Raw deflate of 1 MiB of zeros ending on a full flush: repeatable, ~1 KB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)


@lru_cache(maxsize=4)
def gzip_bomb_parts(mib: int) -> tuple[bytes, bytes, bytes, int]:
    """(header, 1-MiB block, trailer, total length) of a gzip member inflating to ``mib`` MiB of zeros.

    The body is header + block * mib + trailer, streamed, never held whole; only the CRC needs a
    pass over the zeros (~0.2 s per GiB, cached).
    """
    zeros = bytes(1 << 20)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    trailer = b"\x03\x00" + struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF)
    block = _zero_block()
    return _GZIP_HEADER, block, trailer, len(_GZIP_HEADER) + len(block) * mib + len(trailer)


@lru_cache(maxsize=2)
def brotli_bomb(mib: int) -> bytes | None:
    """A brotli stream inflating to ``mib`` MiB of zeros (~190 bytes per MiB), or None where no
    brotli module is installed. Made in 1-MiB steps, never holding the zeros whole."""
    try:
        import brotli  # type: ignore[import-not-found]  (brotlipy or Brotli: the same interface)
    except ImportError:
        return None
    compressor = brotli.Compressor(quality=1)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(zeros) for _ in range(mib)]
    parts.append(compressor.finish())
    return b"".join(parts)
