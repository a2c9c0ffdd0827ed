"""Extraction: real lines of the blog corpus (shared/corpus/_posts, cited as file:line) with the
exact URLs a reader means, plus structural cases and property tests."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck.models import LinkKind
from linkcheck.scan import extract
from linkcheck.scan.extract import extract_urls

BARE = LinkKind.BARE
CODE = LinkKind.CODE
LINK = LinkKind.MARKDOWN_LINK
IMAGE = LinkKind.IMAGE
HTML_ATTR = LinkKind.HTML_ATTR

# (source, line as written in the corpus, expected [(url, kind)])
CORPUS_LINES = [
    # CJK glued to the end of a URL ends it
    (
        "2015-1-6-ubuntu_usage:126",
        "这里特别关注一下http://pkgs.org这个网站，好多deb包都可以在这里找到。",
        [("http://pkgs.org", BARE)],
    ),
    (
        "2020-4-25-biology_4:30",
        "https://mp.weixin.qq.com/s/_b5wRtOMwmGi8N5fxgMFEw看破",
        [("https://mp.weixin.qq.com/s/_b5wRtOMwmGi8N5fxgMFEw", BARE)],
    ),
    (
        "2015-5-7-android_studio:40",
        "以0.8.9到1.1 Beta4为例，通过阅读https://dl.google.com/android/studio/patches/updates.xml的内容可知，"
        "0.8.9最多只能升级到0.9.9。要想升级到1.1 Beta4，就必须以0.9.9为跳板一步步的向上升。",
        [("https://dl.google.com/android/studio/patches/updates.xml", BARE)],
    ),
    (
        "2014-12-25-Android_study:92",
        "虽然源代码在http://source.android.com下，但用浏览器是无法获得代码的，只能用上文提到的方法才行。",
        [("http://source.android.com", BARE)],
    ),
    (
        "2014-12-25-Android_study:199",
        "2) ADT 10.0.1的安装碰到麻烦。在Eclipse的菜单栏Help->Install New Software中添加"
        "https://dl-ssl.google.com/android/eclipse/下载ADT时，发现还需要安装其他的依赖模块。",
        [("https://dl-ssl.google.com/android/eclipse/", BARE)],
    ),
    # Chinese path segments that are part of the URL
    (
        "2019-7-8-attention:84",
        "https://baike.baidu.com/item/图灵机",
        [("https://baike.baidu.com/item/图灵机", BARE)],
    ),
    (
        "2018-12-20-DRL:322",
        "https://www.cnblogs.com/steven-yang/tag/强化学习/",
        [("https://www.cnblogs.com/steven-yang/tag/强化学习/", BARE)],
    ),
    (
        "2019-3-21-GAN_2:358",
        "http://www.gwylab.com/pdf/生成模型-生成对抗网络.pdf",
        [("http://www.gwylab.com/pdf/生成模型-生成对抗网络.pdf", BARE)],
    ),
    (
        "2019-7-19-DL_acceleration:190",
        ">https://baike.baidu.com/item/王浩/22564",
        [("https://baike.baidu.com/item/王浩/22564", BARE)],
    ),
    (
        "2020-8-12-chemistry:50",
        "https://baike.baidu.com/item/酸碱理论/5459283",
        [("https://baike.baidu.com/item/酸碱理论/5459283", BARE)],
    ),
    (
        "2018-1-15-Deep_Learning_30:70",
        "https://coladrill.github.io/2018/10/24/元学习总览/",
        [("https://coladrill.github.io/2018/10/24/元学习总览/", BARE)],
    ),
    (
        "2019-4-28-VAE:117",
        "http://nooverfit.com/wp/当变分推断（variational-inference）遇上神经网络，贝叶斯深度/",
        [("http://nooverfit.com/wp/当变分推断（variational-inference）遇上神经网络，贝叶斯深度/", BARE)],
    ),
    # non-CJK non-ASCII belongs to the URL
    (
        "2017-3-2-math_5:209",
        "https://en.wikipedia.org/wiki/Maxwell–Boltzmann_statistics",
        [("https://en.wikipedia.org/wiki/Maxwell–Boltzmann_statistics", BARE)],
    ),
    (
        "2020-1-26-astronomy_2:108",
        "https://en.wikipedia.org/wiki/Titius–Bode_law",
        [("https://en.wikipedia.org/wiki/Titius–Bode_law", BARE)],
    ),
    # full-width punctuation and unbalanced parentheses end a URL
    (
        "2015-1-4-misc:70",
        "从这个例子，以及Apache官方的例子（http://httpd.apache.org/docs/1.3/howto/cgi.html）",
        [("http://httpd.apache.org/docs/1.3/howto/cgi.html", BARE)],
    ),
    (
        "2017-6-22-Deep_Learning_7:94",
        "Yoshua Bengio在论文《On the difficulty of training recurrent neural networks》"
        "（http://proceedings.mlr.press/v28/pascanu13.pdf）中，给出了如下公式：",
        [("http://proceedings.mlr.press/v28/pascanu13.pdf", BARE)],
    ),
    (
        "2014-12-26-gtk_study:45",
        "如示例（http://code.google.com/p/antkillfarm-source-pool/source/browse/tags/first_demo.7z）"
        "中的do_cmd_ipod函数所示：",
        [("http://code.google.com/p/antkillfarm-source-pool/source/browse/tags/first_demo.7z", BARE)],
    ),
    (
        "2018-4-17-speech_2:32 (first two sentences)",
        "它是由北京希尔贝壳科技有限公司(http://www.aishelltech.com)录制的中文普通话数据。由400名来自不同方言区的"
        "发音人录制，男女比例均衡。",
        [("http://www.aishelltech.com", BARE)],
    ),
    (
        "2015-6-10-dlna:286",
        "前者的作者是Satoshi Konno(个人主页：http://www.cybergarage.org/)，一个45岁左右的日本资深码农，"
        "对云计算、物联网、3D图像、虚拟现实均有很深的造诣。",
        [("http://www.cybergarage.org/", BARE)],
    ),
    (
        "2015-6-10-dlna:288",
        "后者的作者是Christian Bauer(个人主页：http://4thline.org/)。",
        [("http://4thline.org/", BARE)],
    ),
    (
        "2021-12-6-Android_study_2:214",
        "1.在http://www.msys2.org/，下载安装程序，并按照网页提示，更新pacman。",
        [("http://www.msys2.org/", BARE)],
    ),
    # balanced parentheses stay
    (
        "2014-12-26-gtk_study:172",
        "2.http://msdn.microsoft.com/en-us/library/dd318258(v=vs.85).aspx",
        [("http://msdn.microsoft.com/en-us/library/dd318258(v=vs.85).aspx", BARE)],
    ),
    (
        "2022-1-9-linear_algebra_3:263",
        "https://en.wikipedia.org/wiki/Regularization_(mathematics)",
        [("https://en.wikipedia.org/wiki/Regularization_(mathematics)", BARE)],
    ),
    (
        "2021-1-7-GAN_7:244",
        "http://speech.ee.ntu.edu.tw/~tlkagk/courses/ML_2019/Lecture/FLOW%20(v7).pdf",
        [("http://speech.ee.ntu.edu.tw/~tlkagk/courses/ML_2019/Lecture/FLOW%20(v7).pdf", BARE)],
    ),
    (
        "2018-12-20-DRL:20",
        "http://incompleteideas.net/sutton/609%20dropbox/slides%20(pdf%20and%20keynote)/",
        [("http://incompleteideas.net/sutton/609%20dropbox/slides%20(pdf%20and%20keynote)/", BARE)],
    ),
    (
        "2020-9-26-math_16:34",
        "4.[The Decompositional Approach to Matrix Computations]"
        "(http://en.wikipedia.org/wiki/Matrix_(mathematics)#Decomposition)",
        [("http://en.wikipedia.org/wiki/Matrix_(mathematics)#Decomposition", LINK)],
    ),
    # trailing ASCII punctuation, quotes and HTML
    (
        "2014-12-28-github_story:82",
        ">解决方法很简单，首先在这里下载证书 http://curl.haxx.se/ca/cacert.pem, "
        "然后在环境变量里设置SSL_CERT_FILE这个环境变量，并指向cacert.pem文件。",
        [("http://curl.haxx.se/ca/cacert.pem", BARE)],
    ),
    (
        "2019-7-7-python_4:31",
        "usock = urllib2.urlopen('http://www.sohu.com')",
        [("http://www.sohu.com", BARE)],
    ),
    (
        "2015-1-8-emacs:184",
        '   \'("melpa" . "http://melpa.org/packages/")',
        [("http://melpa.org/packages/", BARE)],
    ),
    (
        "2017-3-21-elasticsearch:330",
        "http://www.cnblogs.com/eggTwo/p/4390620.html<br/>",
        [("http://www.cnblogs.com/eggTwo/p/4390620.html", BARE)],
    ),
    (
        "2019-7-19-DL_acceleration:49",
        ">https://zhuanlan.zhihu.com/p/21841141   ",
        [("https://zhuanlan.zhihu.com/p/21841141", BARE)],
    ),
    (
        "2014-12-28-github_story:168",
        "github国内镜像 https://hub.fastgit.xyz 使用指南",
        [("https://hub.fastgit.xyz", BARE)],
    ),
    (
        "2014-12-25-Android_study:159",
        "deb http://us.archive.ubuntu.com/ubuntu/ jaunty multiverse",
        [("http://us.archive.ubuntu.com/ubuntu/", BARE)],
    ),
    # a trailing '_' is part of a user name, not emphasis
    (
        "2018-7-26-speech_6:324",
        "https://blog.csdn.net/fengzhou_",
        [("https://blog.csdn.net/fengzhou_", BARE)],
    ),
    (
        "2026-7-15-parallel_11:158",
        "https://mp.weixin.qq.com/s/_85oWK2plv2QOX5Qfg_-ZA",
        [("https://mp.weixin.qq.com/s/_85oWK2plv2QOX5Qfg_-ZA", BARE)],
    ),
    # query strings, WeChat /s? links
    (
        "2016-5-8-raspberry_pi:187",
        "https://mp.weixin.qq.com/s?__biz=MzU1OTMyNDcxMQ==&mid=2247484969&idx=1&sn=29d04fbb56a4464b08407eb87d26325e",
        [
            (
                "https://mp.weixin.qq.com/s?__biz=MzU1OTMyNDcxMQ==&mid=2247484969&idx=1"
                "&sn=29d04fbb56a4464b08407eb87d26325e",
                BARE,
            )
        ],
    ),
    (
        "2014-12-27-CC2530_IR:220",
        "http://home.eeworld.com.cn/home.php?mod=space&uid=361439&do=blog&id=118277",
        [("http://home.eeworld.com.cn/home.php?mod=space&uid=361439&do=blog&id=118277", BARE)],
    ),
    (
        "2016-11-10-kettle:267",
        "http://localhost:8983/solr/gettingstarted/select?wt=json&indent=true&q=foundation",
        [("http://localhost:8983/solr/gettingstarted/select?wt=json&indent=true&q=foundation", BARE)],
    ),
    (
        "2019-7-7-python_4:27",
        'l_proxy_support = urllib2.ProxyHandler({"http" : "http://%(user)s:%(pass)s@%(host)s:%(port)d"'
        " % l_proxy_info})",
        [("http://%(user)s:%(pass)s@%(host)s:%(port)d", BARE)],
    ),
    (
        "2015-1-4-misc:68 (middle of the line)",
        "用VC之类的编译器编好后，放到cgi-bin中，在浏览器中输入以下地址http://localhost/cgi-bin/cgi.exe?abc就可以看到效果了。"
        '还有`printf("Content-type: text/html\\n\\n");`是一定要有的',
        [("http://localhost/cgi-bin/cgi.exe?abc", BARE)],
    ),
    # inline code
    (
        "2015-2-1-Openwrt:222",
        "使用浏览器，输入`http://192.168.1.1`即可。（实际使用中需用LAN的IP地址替换之）",
        [("http://192.168.1.1", CODE)],
    ),
    (
        "2019-6-16-tensorflow_4:120",
        "启动之后，用浏览器打开`http://localhost:6006`即可。",
        [("http://localhost:6006", CODE)],
    ),
    (
        "2016-1-27-gstreamer_program:178",
        "GStreamer的playbin、uridecodebin插件都可以处理URI，但dataurisrc是个例外，它接收的不是如`http://`或"
        "`file://`这样的URI，而是RFC 2397格式的URI，如下所示：",
        [("http://", CODE)],
    ),
    (
        "2022-4-22-linux_install:230",
        "更改/etc/apt/sources.list文件中Ubuntu默认的源地址`http://archive.ubuntu.com/`为"
        "`http://mirrors.aliyun.com/ubuntu/`即可。",
        [("http://archive.ubuntu.com/", CODE), ("http://mirrors.aliyun.com/ubuntu/", CODE)],
    ),
    (
        "2014-12-28-github_story:78",
        "`sudo gem sources --add https://gems.ruby-china.com/ --remove https://rubygems.org/`",
        [("https://gems.ruby-china.com/", CODE), ("https://rubygems.org/", CODE)],
    ),
    ("2015-2-1-Openwrt:198", "WAN：使用ping命令，例如`ping www.baidu.com`", [("www.baidu.com", CODE)]),
    (
        # '<' ends a URL, then the trailing ':' goes: a template cut short (code, never checked)
        "2017-9-30-Clojure:267",
        "`https://update.code.visualstudio.com/commit:<commit-id>/server-linux-x64/stable`",
        [("https://update.code.visualstudio.com/commit", CODE)],
    ),
    (
        "2020-5-20-javascript_2:228",
        '2.`<a href="javascript:void(0);" onclick="function()"></a>`或者`<a href="javascript:;" '
        'onclick="function()"></a>`表示这个链接不跳转，而执行一段js脚本。',
        [],
    ),
    # markdown links and images; the link text is not a second URL
    (
        "2015-1-8-emacs:142",
        "[http://sourceforge.net/p/cscope/patches/65/](http://sourceforge.net/p/cscope/patches/65/)",
        [("http://sourceforge.net/p/cscope/patches/65/", LINK)],
    ),
    (
        "2015-3-27-linux_kernel:52",
        "[www.ibm.com/developerworks/cn/linux/l-proc.html](http://www.ibm.com/developerworks/cn/linux/l-proc.html)",
        [("http://www.ibm.com/developerworks/cn/linux/l-proc.html", LINK)],
    ),
    (
        "2016-6-30-graphics_2:120",
        "[正态分布的前世今生](http://www.52nlp.cn/%E6%AD%A3%E6%80%81%E5%88%86%E5%B8%83%E7%9A%84%E5%89%8D%E4%B8%96"
        "%E4%BB%8A%E7%94%9F%E4%B8%80)",
        [
            (
                "http://www.52nlp.cn/%E6%AD%A3%E6%80%81%E5%88%86%E5%B8%83%E7%9A%84%E5%89%8D%E4%B8%96"
                "%E4%BB%8A%E7%94%9F%E4%B8%80",
                LINK,
            )
        ],
    ),
    (
        "2022-10-9-Russo_Ukrainian_War_Wind_5:156",
        "医生：[惨了！消息称罗戈津将失去生殖器官，已被紧急送往莫斯科手术](https://www.163.com/dy/article/HP9UU66I055389NN.html)",
        [("https://www.163.com/dy/article/HP9UU66I055389NN.html", LINK)],
    ),
    (
        "2015-1-27-zigbee:14",
        "![Zigbee Network](/images/article/zigbee_network.png)",
        [("/images/article/zigbee_network.png", IMAGE)],
    ),
    (
        # kramdown accepts spaces in a link destination
        "2020-7-27-Segmentation_3:74 (first two sentences)",
        "把loss由`tf.nn.softmax_cross_entropy_with_logits`换成`tf.nn.sigmoid_cross_entropy_with_logits`。"
        "参见[《深度目标检测（五）》](/deep object detection/2018/12/01/Deep_Object_Detection_5.html#YOLOv3)"
        "的YOLOv3一节。",
        [("/deep object detection/2018/12/01/Deep_Object_Detection_5.html#YOLOv3", LINK)],
    ),
    # relative destinations are not URLs (here: LaTeX that looks like a link)
    ("2017-9-9-Deep_Learning_16:174", "$$J_{content}(C,G)=\\frac12||a^{[l](C)}-a^{[l](G)}||^2$$", []),
    # an attribute outside any tag is prose
    ("2020-5-20-javascript_2:224", "## onclick与href='javascript:function()'的区别", []),
    # www. autolinking, glued to Chinese
    (
        "2014-12-25-Android_study:94",
        "当然诸如www.androidin.com之类的网站也提供了非官方的源代码下载。",
        [("www.androidin.com", BARE)],
    ),
    (
        "2015-1-2-freetype:12",
        "FreeType是一套跨平台的字体文件编程开发包。它的官网是www.freetype.org，你可以到这个网站获得最新的源代码。",
        [("www.freetype.org", BARE)],
    ),
    # markdown tables and list items
    (
        "2020-12-24-python_5:458",
        "| Java | JCaptcha | http://jcaptcha.sourceforge.net/ |",
        [("http://jcaptcha.sourceforge.net/", BARE)],
    ),
    (
        "2017-9-4-ML_python:147",
        "  - https://mirrors.ustc.edu.cn/anaconda/pkgs/main/",
        [("https://mirrors.ustc.edu.cn/anaconda/pkgs/main/", BARE)],
    ),
]


def _found(text: str) -> list[tuple[str, LinkKind]]:
    return [(url, occ.kind) for url, occ in extract_urls(text, "posts/t.md")]


def _assert_positions(text: str) -> None:
    lines = text.split("\n")
    for url, occ in extract_urls(text, "posts/t.md"):
        assert occ.file == "posts/t.md"
        assert lines[occ.line - 1][occ.column - 1 :].startswith(url), (url, occ)


@pytest.mark.parametrize(("source", "line", "expected"), CORPUS_LINES, ids=[c[0] for c in CORPUS_LINES])
def test_corpus_line(source: str, line: str, expected: list[tuple[str, LinkKind]]) -> None:
    assert _found(line) == expected
    _assert_positions(line)


def test_table_has_enough_real_lines() -> None:
    assert len(CORPUS_LINES) >= 40


def test_line_and_column_are_one_based_in_characters() -> None:
    text = "标题\n\n中文中文https://a.example/x\n  ![图](http://b.example/i.png)\n"
    found = [(u, o.line, o.column, o.kind) for u, o in extract_urls(text, "f")]
    assert found == [
        ("https://a.example/x", 3, 5, BARE),
        ("http://b.example/i.png", 4, 8, IMAGE),
    ]


# --- structure -----------------------------------------------------------------------------------

# 2016-11-26-java_build:108-122: a fenced block, then the same URL in prose
JAVA_BUILD = """>注意这个配置文件只对该repo生效，如果想全局有效的话，可修改/etc/maven/settings.xml。

```xml
<mirrors>
  <mirror>
    <id>UK</id>
    <name>UK Central</name>
    <url>http://uk.maven.org/maven2</url>
    <mirrorOf>central</mirrorOf>
  </mirror>
</mirrors>
```

其他mirror有：

http://uk.maven.org/maven2
"""


def test_fenced_code_block() -> None:
    found = [(u, o.line, o.kind) for u, o in extract_urls(JAVA_BUILD, "f")]
    assert found == [("http://uk.maven.org/maven2", 8, CODE), ("http://uk.maven.org/maven2", 16, BARE)]
    _assert_positions(JAVA_BUILD)


def test_tilde_fence_longer_closer_and_unclosed_fence() -> None:
    text = "~~~~\nhttp://a.example/1\n~~~\nhttp://a.example/2\n~~~~~\nhttp://a.example/3\n"
    assert _found(text) == [
        ("http://a.example/1", CODE),
        ("http://a.example/2", CODE),
        ("http://a.example/3", BARE),
    ]
    unclosed = "text http://a.example/0\n```sh\ncurl http://a.example/1\n"
    assert _found(unclosed) == [("http://a.example/0", BARE), ("http://a.example/1", CODE)]


def test_fence_must_start_a_line() -> None:
    text = "a ```http://a.example/x``` b\n"
    assert _found(text) == [("http://a.example/x", CODE)]  # an inline code span of three backticks


def test_indented_code_block() -> None:
    text = "Run:\n\n    wget http://a.example/pkg.tar.gz\n    tar xf pkg.tar.gz\n\nsee http://a.example/doc\n"
    assert _found(text) == [("http://a.example/pkg.tar.gz", CODE), ("http://a.example/doc", BARE)]


def test_indented_list_continuation_is_not_code() -> None:
    text = "1. first item\n\n    more about it: http://a.example/x\n"
    assert _found(text) == [("http://a.example/x", BARE)]
    lazy = "a paragraph\n    still the paragraph http://a.example/y\n"
    assert _found(lazy) == [("http://a.example/y", BARE)]


def test_html_block_indentation_is_not_code() -> None:
    # 2015-12-9-essay_2:182-184
    text = (
        '<video  id="myvideo" width="50%" height="auto" controls="controls" loop="loop">\n'
        "    <source src=\"/images/img4/gymnastics.mp4\" type='video/mp4' />\n"
        "</video>\n"
    )
    found = [(u, o.line, o.column, o.kind) for u, o in extract_urls(text, "f")]
    assert found == [("/images/img4/gymnastics.mp4", 2, 18, LinkKind.HTML_ATTR)]


def test_inline_code_with_longer_backtick_runs() -> None:
    assert _found("``a ` http://a.example/x``, then http://a.example/y") == [
        ("http://a.example/x", CODE),
        ("http://a.example/y", BARE),
    ]
    # an unmatched backtick is literal
    assert _found("a ` b http://a.example/z") == [("http://a.example/z", BARE)]


def test_markdown_link_with_title_and_angle_brackets() -> None:
    assert _found('[t](http://a.example/x "title http://ignored.example")') == [("http://a.example/x", LINK)]
    assert _found("[t](<http://a.example/a b>)") == [("http://a.example/a b", LINK)]


def test_image_inside_link() -> None:
    text = "[![badge](https://img.example/b.svg)](https://ci.example/build)"
    found = [(u, o.column, o.kind) for u, o in extract_urls(text, "f")]
    assert found == [("https://img.example/b.svg", 11, IMAGE), ("https://ci.example/build", 39, LINK)]


def test_reference_definitions() -> None:
    text = '[1]: http://a.example/ref "Title"\n   [id]: <http://a.example/angle>\n[^1]: footnote http://a.example/fn\n'
    assert _found(text) == [
        ("http://a.example/ref", LinkKind.REFERENCE_DEFINITION),
        ("http://a.example/angle", LinkKind.REFERENCE_DEFINITION),
        ("http://a.example/fn", BARE),
    ]
    # not at the start of a line: ordinary text
    assert _found("see [x]: http://a.example/y") == [("http://a.example/y", BARE)]


def test_autolinks() -> None:
    text = "<https://a.example/auto> <mailto:me@example.com> <std::string>"
    assert _found(text) == [
        ("https://a.example/auto", LinkKind.AUTOLINK),
        ("mailto:me@example.com", LinkKind.AUTOLINK),
    ]


def test_html_attributes() -> None:
    text = (
        "<a href=\"https://a.example/x?p=1&amp;q=2\">x</a> <img src='/images/a.png'> "
        '<a HREF="#top">top</a> <a href=relative.html>r</a>'
    )
    assert _found(text) == [
        ("https://a.example/x?p=1&q=2", LinkKind.HTML_ATTR),  # as HTML reads it
        ("/images/a.png", LinkKind.HTML_ATTR),
    ]


def test_relative_links_are_not_urls_but_site_relative_ones_are() -> None:
    text = "[a](foo.md) [b](#anchor) [c](/posts/x.html) [d](//cdn.example/x.js) [e](mailto:a@b.example)"
    assert _found(text) == [
        ("/posts/x.html", LINK),
        ("//cdn.example/x.js", LINK),
        ("mailto:a@b.example", LINK),
    ]


def test_schemes_of_bare_urls() -> None:
    text = "ftp://mirrors.ustc.edu.cn/gnu/ sftp://host/x git+https://github.com/a/b.git xhttp://no"
    assert _found(text) == [("ftp://mirrors.ustc.edu.cn/gnu/", BARE), ("https://github.com/a/b.git", BARE)]


def test_urls_glued_by_full_width_comma() -> None:
    assert _found("http://a.example，http://b.example/中文") == [
        ("http://a.example", BARE),
        ("http://b.example/中文", BARE),
    ]


def test_cjk_segment_with_trailing_punctuation() -> None:
    url = "https://baike.baidu.com/item/图灵机"
    assert _found(f"见{url}。") == [(url, BARE)]
    assert _found(f"({url})") == [(url, BARE)]


def test_front_matter_is_scanned_and_unterminated_front_matter_swallows_nothing() -> None:
    text = "---\nlayout: post\nsource: https://a.example/fm\n\nhttps://a.example/body\n"
    assert _found(text) == [("https://a.example/fm", BARE), ("https://a.example/body", BARE)]


def test_crlf_line_endings() -> None:
    text = "a\r\nhttps://a.example/x\r\n[t](http://a.example/y)\r\n"
    found = [(u, o.line, o.column) for u, o in extract_urls(text, "f")]
    assert found == [("https://a.example/x", 2, 1), ("http://a.example/y", 3, 5)]


# --- properties --------------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    [
        *"ab/:.?#&=()[]<>`~!*_ -\n\t\"'\\;",
        *("http://", "https://", "www.", "ftp://", "](", "![", "```", "    ", "&amp;", "&#x41;", "]: "),
        *("<a href=", "<img src='", ' srcset="', "<pre>", "</pre>", "<!--", "-->"),
        *("中", "（", "）", "，", "。", "–", "\r"),
    ]
)
_TEXT = st.lists(_ALPHABET, max_size=60).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_TEXT, st.text(max_size=200)))
def test_property_never_crashes_and_positions_are_exact(text: str) -> None:
    found = list(extract_urls(text, "f"))
    lines = text.split("\n")
    line_starts = [0]
    for line in lines:
        line_starts.append(line_starts[-1] + len(line) + 1)
    for url, occ in found:
        assert url
        assert 1 <= occ.line <= len(lines)
        assert occ.column <= len(lines[occ.line - 1])
        written = text[line_starts[occ.line - 1] + occ.column - 1 :]
        if occ.kind in (LINK, IMAGE, LinkKind.REFERENCE_DEFINITION):
            written = extract._md_unescape(written)  # a destination is reported as CommonMark reads it
        elif occ.kind is HTML_ATTR:  # an attribute as HTML and the URL parser read it
            written = extract._decode_attribute(written)[0].translate(str.maketrans("", "", "\t\n\r"))
        assert written.startswith(url), (url, occ)
    positions = [(o.line, o.column) for _, o in found]
    assert positions == sorted(positions)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="中文字符看破这个网站的内容", min_size=1, max_size=5),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=22),
)
def test_property_wechat_ids_never_swallow_chinese(tail: str, article_id: str) -> None:
    url = f"https://mp.weixin.qq.com/s/{article_id}"
    assert _found(f"见{url}{tail}") == [(url, BARE)]


def test_crlf_fence_closes() -> None:
    text = "```\r\ncurl http://a.example/code\r\n```\r\nhttp://a.example/prose\r\n"
    assert _found(text) == [("http://a.example/code", CODE), ("http://a.example/prose", BARE)]


# --- issue #22, extraction items ------------------------------------------------------------------


def test_adjacent_bracketed_urls_are_two_urls() -> None:
    # Item 8: a ')' or ']' with no opening partner inside the URL ends it, wherever it is (GFM only
    # drops a trailing one, which leaves ')(' inside).
    assert _found("(https://a.example/1)(https://b.example/2)") == [
        ("https://a.example/1", BARE),
        ("https://b.example/2", BARE),
    ]
    assert _found("[https://a.example/1][https://b.example/2]") == [
        ("https://a.example/1", BARE),
        ("https://b.example/2", BARE),
    ]
    assert _found("见(https://a.example/1)、[www.b.example/2]。") == [
        ("https://a.example/1", BARE),
        ("www.b.example/2", BARE),
    ]
    # balanced brackets stay, IPv6 literals included
    assert _found("http://a.example/f(x)(y) http://[::1]:8000/a[1]") == [
        ("http://a.example/f(x)(y)", BARE),
        ("http://[::1]:8000/a[1]", BARE),
    ]
    _assert_positions("(https://a.example/1)(https://b.example/2)")


def test_destination_escapes_and_character_references_are_resolved() -> None:
    # Item 7, CommonMark: in a link destination a backslash before ASCII punctuation escapes it, and
    # entity and numeric character references are decoded; the column is where the destination starts.
    text = r"[doc](https://h.example/a\(1\).html)"
    assert [(u, o.column, o.kind) for u, o in extract_urls(text, "f")] == [("https://h.example/a(1).html", 7, LINK)]
    assert _found(r"![i](/images/a\_b\*.png)") == [("/images/a_b*.png", IMAGE)]
    assert _found("[q](https://h.example/s?a=1&amp;b=2&#38;c=&#x33;)") == [("https://h.example/s?a=1&b=2&c=3", LINK)]
    assert _found(r"[a](<https://h.example/x\>y z>)") == [("https://h.example/x>y z", LINK)]
    assert _found("[r]: https://h.example/&lt;r&gt;\\_\n") == [
        ("https://h.example/<r>_", LinkKind.REFERENCE_DEFINITION)
    ]
    # a backslash before anything else is a backslash; an escaped '&' starts no reference
    assert _found(r"[w](https://h.example/a\b)") == [(r"https://h.example/a\b", LINK)]
    assert _found(r"[e](https://h.example/?a=\&amp;)") == [("https://h.example/?a=&amp;", LINK)]
    # not references: unknown names, no ';', out of range (U+FFFD, as CommonMark says)
    assert _found("[u](https://h.example/?a&foo;&amp&#0;&#1114112;)") == [
        ("https://h.example/?a&foo;&amp\ufffd\ufffd", LINK)
    ]
    # an escape can make a destination site-relative or take it away
    assert _found(r"[s](\/images/x.png) [t](\#top)") == [("/images/x.png", LINK)]


def test_backslash_in_a_bare_url_follows_gfm() -> None:
    # Item 7, GFM extended autolinks: a bare URL runs to whitespace or '<', so a backslash is part of
    # it, as written (GitHub links it as %5C); only a trailing one (a hard line break) is dropped.
    assert _found(r"see https://h.example/a\(1\).html now") == [(r"https://h.example/a\(1\).html", BARE)]
    assert _found("https://h.example/a\\\nnext") == [("https://h.example/a", BARE)]
    # in code a backslash ends the URL: there it starts a string escape
    assert _found('`printf("http://a.example/x\\n")`') == [("http://a.example/x", CODE)]


def test_html_files_have_no_indented_code_blocks() -> None:
    # Item 5: indentation after a blank line is Markdown's code block; HTML has no such rule.
    text = 'Figures:\n\n    <img src="/images/a.png">\n    <a href="https://a.example/x">x</a>\n'
    found = [(u, o.line, o.kind) for u, o in extract_urls(text, "posts/2020-1-1-p.html")]
    assert found == [("/images/a.png", 3, LinkKind.HTML_ATTR), ("https://a.example/x", 4, LinkKind.HTML_ATTR)]
    assert [(u, o.kind) for u, o in extract_urls(text, "posts/p.HTM")] == [(u, k) for u, _, k in found]
    # the same lines in a Markdown post are an indented code block
    assert _found(text) == [("https://a.example/x", CODE)]


def test_attributes_of_a_tag_that_spans_lines_and_srcset() -> None:
    # Item 6: the example of the issue, with positions
    text = 'Photo:\n<img\n  src="/images/a.png"\n  srcset="/images/a-2x.png 2x">\n'
    found = [(u, o.line, o.column, o.kind) for u, o in extract_urls(text, "f")]
    assert found == [("/images/a.png", 3, 8, HTML_ATTR), ("/images/a-2x.png", 4, 11, HTML_ATTR)]
    # every srcset candidate, as the HTML standard splits them: a URL runs to whitespace, trailing
    # commas end a candidate, a comma inside a descriptor's parentheses does not
    srcset = '<img srcset="/a.png, https://cdn.example/b,c.png 2x,/d.png 100w (x, y), /e.png">'
    assert _found(srcset) == [
        ("/a.png", HTML_ATTR),
        ("https://cdn.example/b,c.png", HTML_ATTR),
        ("/d.png", HTML_ATTR),
        ("/e.png", HTML_ATTR),
    ]
    _assert_positions(srcset)


def test_attributes_are_read_as_an_html_parser_reads_them() -> None:
    # unquoted and upper-case; '>' inside a quoted value; the first of two same-named attributes
    text = '<A HREF=/a.html title="x > y" href="/ignored" data-src="https://img.example/lazy.png">'
    assert _found(text) == [("/a.html", HTML_ATTR), ("https://img.example/lazy.png", HTML_ATTR)]
    # character references decoded (a legacy name without ';' stays before '=' or a letter, as in
    # HTML attributes); tabs and newlines inside a URL and spaces around it are dropped, as the URL
    # parser does
    text = '<a href=" https://a.example/s?x=1&amp;y=2&#38;z=3&copy=4&copy;\n/more ">'
    assert _found(text) == [("https://a.example/s?x=1&y=2&z=3&copy=4©/more", HTML_ATTR)]
    # other attribute values are text: their bare URLs are found as in prose
    text = '<img alt="from http://a.example/page" src="/i.png" title="www.b.example">'
    assert _found(text) == [("http://a.example/page", BARE), ("/i.png", HTML_ATTR), ("www.b.example", BARE)]


def test_what_is_not_a_tag() -> None:
    # no '>' before the text ends, or (in Markdown) a blank line inside: text, not a tag
    assert _found('<a href="http://a.example/x" title="t\n\nmore http://b.example/y') == [
        ("http://a.example/x", BARE),
        ("http://b.example/y", BARE),
    ]
    assert _found('<a title="unclosed href="http://a.example/x">') == [("http://a.example/x", BARE)]
    # an attribute outside a tag is prose (2020-5-20-javascript_2:224), as is a name HTML allows
    # but CommonMark does not
    assert _found("## onclick与href='javascript:function()'的区别 <a_b href=/x>") == []


def test_html_code_elements_are_code_as_markdown_code_is() -> None:
    # Item 10: one rule for code: the contents of <pre>, <code>, <kbd>, <samp>, <script> and
    # <style> are code, like Markdown code spans and blocks; a tag's own attributes are not its
    # contents (<script src> is a resource the page loads).
    text = (
        "<pre>curl http://a.example/pre</pre> <CODE class=x>http://a.example/code</code >\n"
        "<kbd>www.a.example</kbd> <samp>https://a.example/samp</samp>\n"
        "<script src=\"https://cdn.example/lib.js\">fetch('https://api.example/x')</script>\n"
        "<style>@import url(https://fonts.example/css);</style>\n"
        "`http://a.example/md` and http://a.example/prose <code>\n"
    )
    assert _found(text) == [
        ("http://a.example/pre", CODE),
        ("http://a.example/code", CODE),
        ("www.a.example", CODE),
        ("https://a.example/samp", CODE),
        ("https://cdn.example/lib.js", HTML_ATTR),
        ("https://api.example/x", CODE),
        ("https://fonts.example/css", CODE),
        ("http://a.example/md", CODE),
        ("http://a.example/prose", BARE),
    ]
    # inside, everything is code: Markdown syntax and tags too, as in a Markdown code block
    nested = '<pre>\n[a](http://a.example/x)\n<a href="https://a.example/y">http://a.example/z</a>\n</pre>\nhttp://b.example/'
    assert _found(nested) == [
        ("http://a.example/x", CODE),
        ("https://a.example/y", CODE),
        ("http://a.example/z", CODE),
        ("http://b.example/", BARE),
    ]
    # an unclosed <pre>, <script> or <style> starting a line runs to the end, as in HTML and
    # CommonMark; in Markdown a <code> ends with its paragraph, at a blank line
    assert _found("<pre>\nhttp://a.example/1\n\nhttp://a.example/2") == [
        ("http://a.example/1", CODE),
        ("http://a.example/2", CODE),
    ]
    assert _found("<code>http://a.example/1\n\nhttp://a.example/2</code>") == [
        ("http://a.example/1", CODE),
        ("http://a.example/2", BARE),
    ]


@contextmanager
def _within(seconds: float) -> Iterator[None]:
    """Fail with TimeoutError instead of hanging (regex and Python loops both see SIGALRM)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_indented_code_at_the_start_then_two_blank_lines_terminates() -> None:
    # Found by the differential test: the scan looped for ever when a file began with an indented
    # code block and another followed after two blank lines (the block's pattern allowed one).
    text = "    a\n\n\n    curl http://a.example/x\n"
    with _within(5):
        assert _found(text) == [("http://a.example/x", CODE)]
    with _within(5):
        assert _found("    a\n  \n\t\n\n    http://a.example/y\nhttp://a.example/z") == [
            ("http://a.example/y", CODE),
            ("http://a.example/z", BARE),
        ]


def test_a_link_opener_followed_by_many_spaces_is_linear() -> None:
    # Found by the differential test: "[a](" and a run of spaces took exponential time (the spaces
    # between kramdown's destination pieces could be split in every way when no ')' followed).
    with _within(2):
        assert _found("[a](" + " " * 5000 + "x http://a.example/") == [("http://a.example/", BARE)]
    with _within(2):
        assert _found("[a](x" + " y" * 5000 + " http://a.example/") == [("http://a.example/", BARE)]


# --- found by the differential test (tests/test_differential.py) -----------------------------------


def test_backslash_escaped_markdown_syntax_is_text() -> None:
    # CommonMark: an escaped '[', '`', '<' or '!' starts nothing; link text may hold escaped
    # brackets; an escaped backslash escapes nothing further.
    assert _found(r"\[a](/x) \<img src='/y'> \`http://a.example/z\`") == [("http://a.example/z", BARE)]
    assert _found(r"\![a](/x) [\]](/y) [a\]b](/z) \\[c](/w)") == [
        ("/x", LINK),
        ("/y", LINK),
        ("/z", LINK),
        ("/w", LINK),
    ]
    assert _found("[- [\\](https://a.example/x 't')") == [("https://a.example/x", BARE)]


def test_link_text_may_continue_on_the_next_line() -> None:
    assert _found("[a\nb](/x)") == [("/x", LINK)]
    assert _found("[a\n\nb](/x)") == []  # not across a blank line


def test_a_destination_in_angle_brackets_that_fails_is_not_an_unbracketed_one() -> None:
    # CommonMark: a destination starting with '<' is bracketed or nothing; here the image fails
    # and what remains is an autolink.
    assert _found("![i](<ftp://a.example/x>y)") == [("ftp://a.example/x", LinkKind.AUTOLINK)]


def test_markdown_code_elements_end_with_their_block() -> None:
    # In Markdown an HTML code element not at the start of a line is inline HTML (or inside an HTML
    # block): it ends with its paragraph or block, at a blank line, closed or not; a <pre>,
    # <script> or <style> starting a line opens an HTML block that runs to its end tag.
    text = "<div>\n<script\n  src=/s.js>\n</div>\n\n![i](https://a.example/i.png) `x` <code>http://a.example/c\n\nhttp://b.example/"
    assert _found(text) == [
        ("/s.js", HTML_ATTR),
        ("https://a.example/i.png", IMAGE),
        ("http://a.example/c", CODE),
        ("http://b.example/", BARE),
    ]
    assert _found("<pre>\nhttp://a.example/1\n\nhttp://a.example/2\n</pre>\nhttp://a.example/3") == [
        ("http://a.example/1", CODE),
        ("http://a.example/2", CODE),
        ("http://a.example/3", BARE),
    ]
    # an HTML post has no blocks: an unclosed element runs to the end, as a browser's repair does
    assert [(u, o.kind) for u, o in extract_urls("<code>http://a.example/1\n\nhttp://a.example/2", "p.html")] == [
        ("http://a.example/1", CODE),
        ("http://a.example/2", CODE),
    ]


def test_markdown_tags_do_not_run_past_their_block() -> None:
    # A heading or a table row is one line; a line that starts a new block ends a paragraph: a tag
    # continued there was never finished, it is text.
    assert _found('# <img\n  src="/a.png">') == []
    assert _found('| a |\n|---|\n| <img\n  src="/a.png"> | x |') == []
    # (a line starting with '|' is a table row only below a delimiter row: else a paragraph's)
    assert _found('| <img\n  src="/b.png"> | x |') == [("/b.png", HTML_ATTR)]
    assert _found('<img\n- src="/a.png">') == []
    assert _found('- <img\n  src="/a.png">') == [("/a.png", HTML_ATTR)]  # a list item's continuation


def test_link_destinations_with_nested_parentheses_and_escapes_in_them() -> None:
    assert _found(r"[a](https://a.example/f(a(b))) ![i](/x\(1\)(y\)z)) [b](/w((1)(2)))") == [
        ("https://a.example/f(a(b))", LINK),
        ("/x(1)(y)z)", IMAGE),
        ("/w((1)(2))", LINK),
    ]


def test_markdown_code_ends_where_a_new_block_starts() -> None:
    # A code span or an inline <code> cannot run past the end of its paragraph, and a list item,
    # heading or block quote ends a paragraph as a blank line does.
    assert _found("a `http://a.example/1\n- b` http://a.example/2") == [
        ("http://a.example/1", BARE),
        ("http://a.example/2", BARE),
    ]
    assert _found("a <kbd>http://a.example/1\n# [t](/h)</kbd>") == [("http://a.example/1", CODE), ("/h", LINK)]


def test_reference_definitions_as_commonmark_reads_them() -> None:
    refdef = LinkKind.REFERENCE_DEFINITION
    # an unbracketed destination may hold '<' and '>' and backslash escapes
    assert _found('[r]: javascript:void(0)\\>x "t"\n[s]: /a<b>\n') == [
        ("javascript:void(0)>x", refdef),
        ("/a<b>", refdef),
    ]
    # a definition cannot interrupt a paragraph: there it is text (its URL a bare one)
    assert _found("text\n[r]: /x\n[s]: http://a.example/\n") == [("http://a.example/", BARE)]
    assert _found("text\n\n[r]: /x\n[s]: /y\n# h\n[t]: /z\n") == [("/x", refdef), ("/y", refdef), ("/z", refdef)]
    # many definition lines are each looked at once
    with _within(5):
        assert len(_found("[r]: /x\n" * 30000)) == 30000


def test_indented_code_right_after_a_fence_or_heading() -> None:
    # no paragraph is open there, so indentation alone makes a code block
    assert _found("```\nx\n```\n    <http://a.example/1>\n# h\n    [t](/x)\n\n[r]: /y\n    [u](/z)") == [
        ("http://a.example/1", CODE),
        ("/y", LinkKind.REFERENCE_DEFINITION),
    ]


def test_html_posts_have_no_backslash_escapes() -> None:
    assert [(u, o.kind) for u, o in extract_urls('a\\<a srcset="/x 2x">', "p.html")] == [("/x", HTML_ATTR)]


def test_inline_html_follows_commonmark_grammar() -> None:
    # Outside an HTML block a tag is HTML only by CommonMark's grammar (attributes apart, names of
    # letters, digits and _.:-); in an HTML block it goes to an HTML parser, which reads any tag.
    assert _found('see <a href="/x"title="t">x</a>') == []
    assert _found('<a href="/x"title="t">x</a>') == []
    assert _found('see <a href="/x" title="t">x</a>') == [("/x", HTML_ATTR)]
    assert _found('<div>\n<a href="/x"title="t">x</a>') == [("/x", HTML_ATTR)]
    # in an HTML block (here opened by <table> on the line before) tags go to an HTML parser as
    # they are
    assert _found('<table><tr><td>\nsee <img src="/a.png""\nalt=x></td></tr></table>') == [("/a.png", HTML_ATTR)]
    assert _found("text <script\nalt=x src=/y [:]>http://a.example/z") == [("http://a.example/z", BARE)]


def test_more_commonmark_block_and_destination_details() -> None:
    refdef = LinkKind.REFERENCE_DEFINITION
    # a definition may follow indented code or a closing fence directly (no paragraph is open)
    assert _found("x\n\n    code\n[r]: /a\n```\nc\n```\n[s]: /b\n") == [("/a", refdef), ("/b", refdef)]
    # a backslash before whitespace is a backslash: the destination ends there
    assert _found("![i](ftp://a.example/x\\\t 't') [j](/y\\ )") == [("ftp://a.example/x\\", IMAGE), ("/y\\", LINK)]


def test_links_are_read_before_bare_urls() -> None:
    # a Markdown link that starts inside what would be a bare URL is a link (CommonMark reads links
    # first, GFM's autolinks are found in the text left)
    assert _found("https://[t](/x) http://a.example/![i](/y)") == [
        ("https://", BARE),
        ("/x", LINK),
        ("http://a.example/", BARE),
        ("/y", IMAGE),
    ]


def test_a_tag_in_a_block_quote_goes_on_over_its_lines() -> None:
    # CommonMark hands the quote's content on without its '>' markers: the tag goes on over the
    # next line of the quote (read flat, that '>' would end it)
    assert _found('> <img\n> src="/a.png">\n\n> <img src="/b.png">') == [("/a.png", HTML_ATTR), ("/b.png", HTML_ATTR)]
    # a paragraph takes a lazy line; a nested quote and a list item in a quote too
    assert _found('> x <img\nsrc="/c.png">\n\n> - <a\n>   href="/d">\n') == [("/c.png", HTML_ATTR), ("/d", HTML_ATTR)]
    # the line that does not go on in the quote is not the tag's
    assert _found('> <img\nsrc="/e.png">\n') == [("/e.png", HTML_ATTR)]  # lazy: a paragraph
    assert _found('> <div\nhref="/f">\n') == []  # an HTML block (6) takes no lazy line


def test_a_code_element_in_a_heading_or_table_row_ends_with_its_line() -> None:
    # a heading is one line: the <code> opened in it holds nothing of the next line
    assert _found('# <code><script\n  href="/a"></code>[t](/b)\n') == [("/b", LINK)]
    # and a table row is one line too
    assert _found('| a |\n|---|\n| <code><script\n  href="/a"></code>[t](/b) |\n') == [("/b", LINK)]


def test_a_tag_in_a_list_item_goes_on_with_the_item() -> None:
    # an HTML block in a list item ends with the item: a line not indented to its content is not
    # lazy (only paragraphs take lazy lines), so the tag is unfinished, and text (issue #22)
    assert _found('- <script href="https://a.example/1"\nhref="https://a.example/2">\n') == [
        ("https://a.example/1", BARE),
        ("https://a.example/2", BARE),
    ]
    assert _found('- <script href="/a"\n  src="/b">\n') == [("/a", HTML_ATTR), ("/b", HTML_ATTR)]  # in the item
    assert _found('1. text <img\nsrc="/c.png">\n') == [("/c.png", HTML_ATTR)]  # a paragraph's lazy line
    # on an item's later line: an HTML block in the item reads a tag CommonMark's grammar refuses,
    # and ends with the item
    assert _found("* <div>\n  <img src=/x.png`>\n") == [("/x.png`", HTML_ATTR)]
    assert _found("1.\n   <div><a\nhref=/y>\n") == []
    # a `[r]: …` line in an item's paragraph is a lazy line of it: what follows is the item's, no code
    assert _found("- text\n[r]: /a\n\n    <https://a.example>\n") == [("https://a.example", LinkKind.AUTOLINK)]
    # a <pre> opening an HTML block in a quote is code to its end tag, within the quote
    assert _found('> <pre>\n> <a href="/d">\n> </pre>\n> <a href="/e">\n') == [("/e", HTML_ATTR)]


def test_html_block_1_ends_at_any_of_its_end_tags() -> None:
    # CommonMark: a block opened by <script>, <pre>, <style> or <textarea> ends with the line that
    # holds any of their end tags; Markdown goes on after it.
    text = "<script>\nhttp://a.example/1\n</style>\n\n[t](/x) http://a.example/2"
    assert _found(text) == [("http://a.example/1", CODE), ("/x", LINK), ("http://a.example/2", BARE)]


def test_indented_text_after_a_list_item_paragraph_is_not_code() -> None:
    # the item's paragraph went on over an unindented (lazy) line: the indented line after the blank
    # line continues the item
    assert _found("- item\nlazy line\n\n    more [t](/x)\n") == [("/x", LINK)]
    assert _found("- item\n  continued\n\n    more [t](/y)\n") == [("/y", LINK)]


def test_a_definition_is_its_destination_then_white_space() -> None:
    # "[r]: <x>y" is no definition (CommonMark): text, with an autolink in it
    assert _found("[r]: <mailto:a@b.example>（> 't'\n") == [("mailto:a@b.example", LinkKind.AUTOLINK)]


def test_in_an_html_block_markdown_lines_are_html() -> None:
    # an HTML block runs to a blank line: a '#' line inside it is no heading
    assert _found('<div>\n# <a href="/x"\n  title=t>\n</div>') == [("/x", HTML_ATTR)]
    assert _found('<div>\n<a href="/x"\n\n  title=t>\n</div>') == []


def test_link_text_holding_a_link_or_html() -> None:
    # links cannot hold links: the inner one is the link; HTML in link text is read; bare URLs in
    # link text are text
    assert _found("[a [b](/inner) c](/outer)") == [("/inner", LINK)]
    assert _found("[](<https://a.example[<>)[](https://a.example](1))") == [
        ("https://a.example", BARE),  # '<https://a.example[<>' is no autolink: text
        ("https://a.example](1)", LINK),
    ]
    assert _found("[x![](/i.png](1))") == [("/i.png](1)", IMAGE)]
    assert _found('[<img src="/a.png"> http://a.example/t](https://b.example/)') == [
        ("/a.png", HTML_ATTR),
        ("https://b.example/", LINK),
    ]
    # a table row is one line, with or without a leading '|'
    assert _found('| a | b |\n|---|---|\nx <img\n  src="/a.png"> | y') == []
    assert _found("- \n[r]: <https://a.example/>\n") == [("https://a.example/", LinkKind.REFERENCE_DEFINITION)]
    assert _found("- # h\n[r]: /x\n- text\n[s]: /y\n") == [("/x", LinkKind.REFERENCE_DEFINITION)]
    assert _found('- <a href="/a">\n[r]: /x\n') == [("/a", HTML_ATTR), ("/x", LinkKind.REFERENCE_DEFINITION)]


def test_indented_code_after_a_paragraph_starting_with_an_autolink() -> None:
    # '<https://…>' starting a line is no HTML: the indented lines after the blank line are code
    assert _found("<https://a.example/>\n\n    [](https://b.example/)\n") == [
        ("https://a.example/", LinkKind.AUTOLINK),
        ("https://b.example/", CODE),
    ]
    assert _found("- \n\n    [](https://b.example/)\n") == [("https://b.example/", CODE)]


def test_comments_hold_no_tags() -> None:
    # in an HTML comment, processing instruction or declaration nothing is a tag or link; a bare
    # URL written there is still listed
    text = '<!-- <a href="/x"> http://a.example/1 --> <? [t](/y) ?> <!DOCTYPE html> <img src="/z">'
    assert _found(text) == [("http://a.example/1", BARE), ("/z", HTML_ATTR)]
    # in HTML '<?…>' ends at the first '>' (a bogus comment), so the <code> here is inside it
    html = '<?q=1<CODE><img src="/a.png"></CODE>'
    assert [(u, o.kind) for u, o in extract_urls(html, "p.html")] == [("/a.png", HTML_ATTR)]


def test_html_posts_have_no_markdown_code() -> None:
    # Jekyll does not convert an .html post: backticks and fences are text there, and a tag between
    # them is a tag the browser loads; only HTML's code elements are code
    html = '<p>`<img src="/a.png">` http://a.example/1</p>\n```\n<a href="/b">http://a.example/2</a>\n```\n<code>http://a.example/3</code>'
    assert [(u, o.kind) for u, o in extract_urls(html, "p.html")] == [
        ("/a.png", HTML_ATTR),
        ("http://a.example/1", BARE),
        ("/b", HTML_ATTR),
        ("http://a.example/2", BARE),
        ("http://a.example/3", CODE),
    ]


def test_a_script_inside_a_code_element_is_raw_text() -> None:
    # '</kbd>' inside the script ends nothing; an unclosed script takes the rest
    assert [
        (u, o.kind)
        for u, o in extract_urls('<kbd><script>"</kbd>"</script><img src="/x"></kbd><img src="/y">', "p.html")
    ] == [("/y", HTML_ATTR)]
    assert [(u, o.kind) for u, o in extract_urls('<kbd><script></kbd><source src="/z">', "p.html")] == []
