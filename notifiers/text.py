"""Body-size helpers shared by every channel: cut on a UTF-8 boundary, keep the link.

Providers count limits in UTF-8 bytes (WeCom text 2,048, markdown 4,096); a
message that is cut must stay valid UTF-8 and still tell the reader where the
full text is.
"""

from __future__ import annotations

ELLIPSIS = "…"


def utf8_len(text: str) -> int:
    """Length of `text` in UTF-8 bytes, the unit providers count in."""
    return len(text.encode("utf-8"))


def more_suffix(link: str | None) -> str:
    """The marker appended to a cut body: '…（全文见 <link>）' or a bare '…'."""
    return f"{ELLIPSIS}（全文见 {link}）" if link else ELLIPSIS


def cut_bytes(text: str, max_bytes: int) -> str:
    """The longest prefix of `text` that fits `max_bytes` UTF-8 bytes."""
    if max_bytes <= 0:
        return ""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    # Dropping the incomplete tail sequence keeps the prefix valid UTF-8.
    return raw[:max_bytes].decode("utf-8", errors="ignore")


def fit(text: str, max_bytes: int | None, link: str | None = None) -> str:
    """`text` unchanged if it fits, else cut to fit with a '…（全文见 link）' marker."""
    if max_bytes is None or utf8_len(text) <= max_bytes:
        return text
    suffix = more_suffix(link)
    room = max_bytes - utf8_len(suffix)
    if room <= 0:
        # The link alone does not fit: a bare cut is better than a broken link.
        return cut_bytes(text, max_bytes - utf8_len(ELLIPSIS)) + ELLIPSIS
    return cut_bytes(text, room).rstrip() + suffix
