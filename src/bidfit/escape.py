r"""Make user text inert in every output: one cleaner, then one rule per format.

Names of bids, streams, costs, files and customers come from files bidfit does
not control. Before such text reaches an output it goes through
:func:`clean_text` (control characters, terminal escape sequences and
bidirectional overrides removed; line breaks and tabs become spaces) and then
through the escaping rule of its format:

==================  ================================================================
output              function
==================  ================================================================
terminal            :func:`for_terminal`
Markdown            :func:`for_markdown` (table cells, headings, paragraphs)
XML (JUnit)         :func:`for_xml` (the XML writer escapes ``<``, ``>``, ``&``)
HTML (Jupyter)      :func:`for_html`
GitHub commands     :func:`for_github_data`, :func:`for_github_property`
workbook cells      :func:`for_cell` (and the workbook writer's quote prefix)
==================  ================================================================

Examples
--------
>>> for_terminal("Vendor\x1b[2J\x1b]0;pwned\x07 A")
'Vendor A'
>>> for_markdown("a|b `c` <b>x</b> @team ![i](http://x)")
'a\\|b \\`c\\` &lt;b&gt;x&lt;/b&gt; @&#8203;team \\!\\[i\\]\\(http:&#8203;//x\\)'
"""

from __future__ import annotations

import html
import re

__all__ = [
    "MAX_CELL_TEXT",
    "clean_text",
    "for_cell",
    "for_github_data",
    "for_github_property",
    "for_html",
    "for_markdown",
    "for_terminal",
    "for_xml",
]

MAX_CELL_TEXT = 32_767
"""Longest text a spreadsheet cell holds [characters]."""

# ANSI/VT sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and
# two-character escapes; removed whole so no remnant such as "[2J" is left.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, terminated or not
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[@-Z\\-_]"  # other two-character escapes
)
_BREAKS = re.compile(r"[\t\r\n\v\f\x85\u2028\u2029]+")
# C0 and C1 controls, DEL, zero-width and bidirectional formatting characters
# (which can make a name read differently from what it is), and the
# non-characters XML 1.0 forbids.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufffe\uffff"
    "\ud800-\udfff]"
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")  # $: GitHub's inline maths


def clean_text(value: object, *, max_length: int | None = None) -> str:
    r"""User text with nothing in it that an output could act on.

    Terminal escape sequences are removed whole, line breaks and tabs become
    one space, and other control, zero-width and bidirectional formatting
    characters are removed.

    Parameters
    ----------
    value : object
        The text (anything else is cleaned as its ``str``).
    max_length : int, optional
        Cut the result to this many characters.

    Examples
    --------
    >>> clean_text("Vendor\tA\x07\r\n(final)")
    'Vendor A (final)'
    >>> clean_text("evil\u202eexe.pdf")
    'evilexe.pdf'
    """
    text = _ESCAPE_SEQUENCE.sub("", str(value))
    text = _INVISIBLE.sub("", _BREAKS.sub(" ", text))
    return text if max_length is None else text[:max_length]


def for_terminal(value: object) -> str:
    """Text safe to print on a terminal: no escape sequence or control character reaches it.

    Examples
    --------
    >>> for_terminal("A\\x1b[31mred")
    'Ared'
    """
    return clean_text(value)


def for_markdown(value: object) -> str:
    r"""Text shown literally in Markdown (GitHub flavoured), also inside a table cell.

    Markdown punctuation is backslash-escaped, ``<``, ``>`` and ``&`` become
    entities (no raw HTML), and ``@`` and ``://`` are broken by a zero-width
    space so that a name never mentions a person or a team, nor links anywhere.

    Examples
    --------
    >>> for_markdown("Yahoo! offer | *bold* & <i>")
    'Yahoo\\! offer \\| \\*bold\\* &amp; &lt;i&gt;'
    """
    # Stripped: emphasis around a name with a trailing space would not close.
    text = clean_text(value).strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # A zero-width space keeps @name from mentioning and a bare address from linking.
    return text.replace("@", "@&#8203;").replace("://", ":&#8203;//").replace("www\\.", "www&#8203;\\.")


def for_xml(value: object) -> str:
    """Text an XML 1.0 document can hold (the XML writer still escapes ``<``, ``>``, ``&``).

    Examples
    --------
    >>> for_xml("a\\x00b\\x1b[1mc")
    'abc'
    """
    return clean_text(value)


def for_html(value: object) -> str:
    r"""Text shown literally in HTML, in an element or a quoted attribute value.

    Examples
    --------
    >>> for_html('<b onclick="x()">A & B</b>\u202e')
    '&lt;b onclick=&quot;x()&quot;&gt;A &amp; B&lt;/b&gt;'
    """
    return html.escape(clean_text(value), quote=True)


def for_github_data(value: object) -> str:
    """A GitHub workflow command's message: cleaned, then ``%``, CR and LF escaped.

    Examples
    --------
    >>> for_github_data("50% off\\nnext::line")
    '50%25 off next::line'
    """
    return clean_text(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def for_github_property(value: object) -> str:
    """A GitHub workflow command's property value: as a message, plus ``:`` and ``,``.

    Examples
    --------
    >>> for_github_property("a:b,c%")
    'a%3Ab%2Cc%25'
    """
    return for_github_data(value).replace(":", "%3A").replace(",", "%2C")


def for_cell(value: object) -> str:
    """Text for a spreadsheet cell: cleaned and cut to :data:`MAX_CELL_TEXT` characters.

    The workbook writer also stores it as a string with the quote-prefix style
    when it starts like a formula (``=``, ``+``, ``-``, ``@``, ``#``).

    Examples
    --------
    >>> for_cell("=HYPERLINK(\\"http://x\\")\\n")
    '=HYPERLINK("http://x") '
    """
    return clean_text(value, max_length=MAX_CELL_TEXT)
