"""What a search matches: one normalisation for the stored text and the query alike.

`q` matches a substring of an item's name or description once both have been through
`fold`: Unicode compatibility decomposition (NFKD), removal of combining marks (characters
with a nonzero canonical combining class) and case folding (`str.casefold`). "Äpfel" is
found by "apfel", "ÄPFEL" and "äpfel"; "Straße" by "strasse"; "ﬁsh" by "fish"; "Ｆｕｌｌ"
by "full"; a precomposed "é" and "e" + U+0301 match each other.
"""

import unicodedata

# Between the folded name and the folded description in the stored text. It is a control
# character, which names, descriptions and `q` may not contain (see schemas/items.py), so a
# match never spans both fields.
SEPARATOR = "\x1f"


def _decomposed_without_marks(text: str) -> str:
    return "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )


def fold(text: str) -> str:
    """`text` as a search compares it.

    Decomposed and stripped again after case folding, so that folding what `fold` returns
    changes nothing even where case folding yields a character that decomposes further.
    """
    return _decomposed_without_marks(_decomposed_without_marks(text).casefold())


def search_text(name: str, description: str | None) -> str:
    """The stored text a search looks in: folded name, separator, folded description."""
    return fold(name) + SEPARATOR + fold(description or "")


def can_match(folded_query: str) -> bool:
    """False for a query holding the separator: it could only match across two fields."""
    return SEPARATOR not in folded_query
