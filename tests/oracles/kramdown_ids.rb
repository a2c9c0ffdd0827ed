# The ids kramdown itself gives documents: the oracle of linkcheck.scan.anchors (tests/test_anchors.py).
# Reads a JSON list of {"text": Markdown without front matter, "input": "GFM" or "kramdown"} on stdin;
# writes a JSON list of {"ids": every id= and <a name=> of the HTML, "headers": the header ids in order}.
require "json"
require "kramdown"
require "kramdown-parser-gfm"

documents = JSON.parse($stdin.read)
result = documents.map do |document|
  # Jekyll's kramdown options that bear on ids (auto_ids on; hard_wrap off as Jekyll sets it).
  html = Kramdown::Document.new(document["text"], input: document["input"], auto_ids: true, hard_wrap: false).to_html
  ids = html.scan(/<[A-Za-z][A-Za-z0-9]*\s[^>]*?\bid="([^"]*)"/).flatten
  names = html.scan(/<a\s[^>]*?\bname="([^"]*)"/).flatten
  headers = html.scan(/<h[1-6][^>]*?\bid="([^"]*)"/).flatten
  { "ids" => ids + names, "headers" => headers }
end
puts JSON.generate(result)
