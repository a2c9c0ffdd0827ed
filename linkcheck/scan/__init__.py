"""Scan: posts → links. Nothing here touches the network.

``extract`` finds every URL in a post's text (with line, column and kind), ``canonical`` gives each
its key and says whether it may be fetched, ``collect`` walks the posts and merges occurrences by
key; ``jekyll``, ``internal`` and ``anchors`` model the blog's own source tree, so links into the
blog (images, other posts, their anchors) are checked from it.
"""
