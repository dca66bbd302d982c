"""Rules for what is not a page's main text, kept as data so a new site quirk is a
one-line change (plus a fixture that shows it)."""

# Elements never part of the main text.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "canvas",
    "iframe",
    "object",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "nav",
    "aside",
    "footer",
    "dialog",
)

# Class, id, role or aria-label words that mark chrome. Matched against whole words
# of those attributes (split on spaces, hyphens and underscores).
CHROME_WORDS = frozenset(
    """cookie cookies consent gdpr banner share sharing sharedaddy social
    comment comments respond reply breadcrumb breadcrumbs related newsletter
    subscribe signup sidebar widget footer masthead navbar nav menu skip advert
    advertisement ads promo popup modal toolbar pagination pager byline
    tags categories relatedposts meta dateline""".split()
)

# Roles whose elements are chrome wherever they appear.
CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert"}
)

# Headings that open a trailing block of chrome: everything from the heading to the
# end of its container is dropped ("Leave a Reply", "Share this:", "Related").
CHROME_HEADINGS = frozenset(
    heading.strip()
    for heading in """leave a reply|leave a comment|comments|share this|share this page|related
    |related pages|related posts|like this|you may also like|categories|tags
    |post navigation""".split("|")
)

# Block-level elements whose text becomes a block of a section.
BLOCK_TAGS = ("p", "li", "blockquote", "pre", "dd", "dt", "tr", "figcaption", "address")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")

# A block whose text is mostly link text is navigation, not prose.
MAX_LINK_DENSITY = 0.6

# List items keep a bullet, so a passage reads as it did on the page and a lead-in
# sentence ("The partners were:") can be quoted together with its list.
LIST_ITEM_MARK = "• "
