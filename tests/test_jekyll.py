"""The site model (linkcheck.scan.jekyll): Jekyll's permalink and slug rules, the config, which files
are published where — with Jekyll itself as the oracle where it is installed (Debian's `jekyll`:
`jekyll build` of the same tree must write exactly the files the model says it publishes)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from linkcheck.scan.jekyll import (
    JekyllSite,
    SiteError,
    expand_permalink,
    find_root,
    load_site,
    normalize_path,
    parse_config,
    slugify,
)
from tests.oracles import oracle_missing

BLOG = Path(__file__).resolve().parent / "blog"
# The test blog's one post that Jekyll refuses to build (its tags name nothing, on purpose).
UNBUILDABLE = "_posts/2019-01-01-broken-tags.md"


def published_files(site: JekyllSite) -> set[str]:
    """The files the model says `jekyll build` writes (relative to the destination)."""
    files = set(site.static_files) | set(site.generated)
    for document in site.documents:
        url = unquote(document.url)
        if url.endswith("/"):
            url += "index.html"
        elif "." not in url.rsplit("/", 1)[-1]:
            url += ".html"
        files.add(url.lstrip("/"))
    return files


def jekyll_build(source: Path, tmp_path: Path) -> set[str]:
    if shutil.which("jekyll") is None:
        oracle_missing("Jekyll is not installed (apt-get install jekyll)")
    destination = tmp_path / "_site_built"
    result = subprocess.run(
        ["jekyll", "build", "--quiet", "--source", str(source), "--destination", str(destination)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    return {p.relative_to(destination).as_posix() for p in destination.rglob("*") if p.is_file()}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# ---- Jekyll's string rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mode", "cased", "expected"),
    [
        ("Machine_Learning_2", "pretty", True, "Machine_Learning_2"),  # `:title` keeps '_' and case
        ("a b.c_d", "pretty", True, "a-b.c_d"),
        ("深度学习 (2)", "pretty", True, "深度学习-(2)"),
        ("Hello, World!", "default", False, "hello-world"),  # `:slug`: letters and digits only
        ("--x--", "default", False, "x"),
        ("a  b", "raw", False, "a-b"),
    ],
)
def test_slugify(text: str, mode: str, cased: bool, expected: str) -> None:
    assert slugify(text, mode=mode, cased=cased) == expected


def test_expand_permalink() -> None:
    values = {"categories": "deep learning/ml", "year": "2016", "title": "x_y", "output_ext": ".html", "i_month": "8"}
    assert expand_permalink("/:categories/:year/:title:output_ext", values) == "/deep%20learning/ml/2016/x_y.html"
    assert expand_permalink("/:categories/:title/", {**values, "categories": ""}) == "/x_y/"  # no '//'
    assert expand_permalink("/:i_month/:title/", values) == "/8/x_y/"
    with pytest.raises(KeyError):
        expand_permalink("/:nope/", values)


def test_normalize_path() -> None:
    assert normalize_path("/a/b/../c/./d/") == "/a/c/d/"
    assert normalize_path("/../../x") == "/x"


def test_config_defaults_and_styles() -> None:
    config = parse_config({})
    assert (config.url, config.baseurl, config.post_template) == (
        "", "", "/:categories/:year/:month/:day/:title:output_ext"
    )  # fmt: skip
    assert parse_config({"permalink": "pretty"}).post_template == "/:categories/:year/:month/:day/:title/"
    assert parse_config({"permalink": "/:year/:title.html"}).post_template == "/:year/:title.html"
    assert parse_config({"baseurl": "blog/", "url": "https://b.example/"}).baseurl == "/blog"
    config = parse_config({"collections": {"notes": {"output": True, "permalink": "/n/:name/"}, "drafts": {}}})
    assert config.collections["notes"].output and not config.collections["drafts"].output
    assert parse_config({"kramdown": {"input": "kramdown", "auto_id_prefix": "h-"}}).auto_id_prefix == "h-"


def test_find_root_walks_up_from_the_posts(tmp_path: Path) -> None:
    write(tmp_path, {"_config.yml": "title: t\n", "_posts/2020-01-01-a.md": "---\n---\n"})
    assert find_root([tmp_path / "_posts"]) == tmp_path.resolve()
    assert find_root([tmp_path / "_posts" / "2020-01-01-a.md"]) == tmp_path.resolve()
    assert load_site(None, [tmp_path.parent / "nowhere-near"]) is None


def test_a_broken_config_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"_config.yml": "url: [unclosed\n"})
    with pytest.raises(SiteError, match="not valid YAML"):
        JekyllSite.load(tmp_path)
    with pytest.raises(SiteError, match="not a directory"):
        JekyllSite.load(tmp_path / "missing")


# ---- the test blog ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blog() -> JekyllSite:
    return JekyllSite.load(BLOG)


def test_post_urls_by_the_permalink_rules(blog: JekyllSite) -> None:
    urls = {d.source: d.url for d in blog.documents}
    assert urls["_posts/2016-08-02-Machine_Learning_2.md"] == "/ml/2016/08/02/Machine_Learning_2.html"  # lower-cased
    assert urls["_posts/2016-8-9-short_date.md"] == "/deep%20learning/2016/08/09/short_date.html"  # 8-9: 08/09
    assert urls["_posts/2017-01-12-custom.md"] == "/custom/custom/"  # its own permalink, :title in it
    assert urls["about.md"] == "/about/"  # a page
    assert urls["_notes/tips.md"] == "/notes/tips/"  # a collection with output
    assert "_drafts/2019-05-05-draft.md" not in urls and "README.md" not in urls  # unpublished, excluded
    assert "images/Photo.png" in blog.static_files


def test_lookup_is_case_sensitive_and_knows_the_baseurl(blog: JekyllSite) -> None:
    assert blog.lookup("/blog/images/Photo.png").served is not None
    variant = blog.lookup("/blog/images/photo.png")
    assert variant.served is None and variant.case_variant is not None
    assert variant.case_variant.source == "images/Photo.png"
    outside = blog.lookup("/images/a.png")
    assert outside.outside_base and outside.candidate is not None and outside.candidate.source == "images/a.png"
    moved = blog.lookup("/blog/images/moved.png")
    assert moved.served is None and moved.candidate is not None and moved.candidate.source == "images/sub/moved.png"
    # A page answers at /a/, /a/index.html and /a; a .html file at /a.html and /a.
    for path in ("/blog/about/", "/blog/about/index.html", "/blog/about", "/blog/notes-static/table"):
        assert blog.lookup(path).served is not None, path
    assert blog.lookup("/blog/ml/2016/08/02/machine_learning_2.html").case_variant is not None


def test_post_url_and_link_tags(blog: JekyllSite) -> None:
    post = blog.find_post("2016-08-02-Machine_Learning_2")
    assert post is not None and post.url == "/ml/2016/08/02/Machine_Learning_2.html"
    short = blog.find_post("2016-08-09-short_date")  # the file is 2016-8-9-…: found by date and slug
    assert short is not None and short.source == "_posts/2016-8-9-short_date.md"
    assert blog.find_post("2016-08-02-nope") is None and blog.find_post("not-a-post-name") is None
    found = blog.find_file("_posts/2017-01-12-custom.md")
    assert found is not None and found.url == "/custom/custom/"
    image = blog.find_file("images/a.png")
    assert image is not None and image.url == "/images/a.png"
    assert blog.find_file("images/nope.png") is None


def test_anchors_of_posts_pages_layouts_and_static_html(blog: JekyllSite) -> None:
    post = blog.lookup("/blog/ml/2016/08/02/Machine_Learning_2.html").served
    assert post is not None
    anchors = blog.anchors(post)
    assert anchors is not None
    assert {"Pearson", "pearson-相关系数一", "spearman", "kendall", "least-squares-1", "comments", "main"} <= anchors
    table = blog.lookup("/blog/notes-static/table.html").served
    assert table is not None and blog.anchors(table) == {"row1", "row2"}
    pdf = blog.lookup("/blog/notes-static/paper.pdf").served
    assert pdf is not None and blog.anchors(pdf) is None  # '#page=3' is the viewer's, not an id


def test_jekyll_builds_exactly_what_the_model_publishes(tmp_path: Path) -> None:
    source = tmp_path / "blog"
    shutil.copytree(BLOG, source)
    (source / UNBUILDABLE).unlink()
    built = jekyll_build(source, tmp_path)
    assert published_files(JekyllSite.load(source)) == built


TREE = {
    "_posts/2016-8-2-Machine_Learning_2.markdown": "---\ncategory: Deep Object Detection\n---\n# A\n",
    "_posts/2016-08-03-a b.c_d.md": '---\ncategories: [ML, "Deep Learning"]\n---\nx\n',
    "_posts/2016-12-31-dated.md": "---\ndate: 2017-01-02 10:00:00\ncategories: a b\n---\nx\n",
    "_posts/2018-03-04-own.md": "---\npermalink: /:year/:i_month/:slug.html\n---\nx\n",
    "_posts/2018-03-05-off.md": "---\npublished: false\n---\nx\n",
    "_posts/not-dated.md": "---\n---\nignored: no date in the name\n",
    "tech/_posts/2019-05-06-nested.md": "---\n---\nfolder category\n",
    "_posts/2019-07-01-no-front-matter-yaml.md": "---\ntitle: a: b: c\n---\ninvalid YAML, read as empty\n",
    "index.html": "---\n---\nhome\n",
    "about.md": "---\n---\nabout\n",
    "docs/guide.md": "---\ntitle: g\n---\nguide\n",
    "docs/raw.txt": "a static text file\n",
    "style.scss": "---\n---\nbody { color: red; }\n",
    "_notes/n1.md": "---\n---\nnote\n",
    "images/a b.png": "png\n",
    ".hidden": "never published\n",
    "backup.md~": "never published\n",
}


@pytest.mark.parametrize("permalink", ["date", "pretty", "weekdate", "/:year/:month/:title.html"])
def test_jekyll_agrees_for_each_permalink_style(tmp_path: Path, permalink: str) -> None:
    source = write(tmp_path / "site", TREE)
    (source / "_config.yml").write_text(
        f"permalink: {permalink}\ntimezone: UTC\ncollections:\n  notes:\n    output: true\n", encoding="utf-8"
    )
    site = JekyllSite.load(source)
    assert published_files(site) == jekyll_build(source, tmp_path)
    assert any("not valid YAML" in message for _, message in site.problems)
