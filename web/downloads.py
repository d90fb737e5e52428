"""The name a download is saved under: in Chinese as the office names its files, with an ASCII fallback.

`download_headers("值班表-高观镇-2026-12.xlsx", "roster-gg-2026-12.xlsx")` gives the Content-Disposition header
with RFC 6266 / RFC 5987 `filename*=UTF-8''…` (what every current browser uses) and a plain ASCII
`filename="…"` for clients that know only that. Every download of the API and the console names itself through it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]+")  # path separators, quotes and controls: never in a name
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _clean(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .") or "download"


def _ascii(name: str) -> str:
    """An ASCII stand-in for `name`, keeping its extension ('人员.xlsx' -> 'download.xlsx')."""
    stem, dot, ext = _clean(name).rpartition(".")
    if not dot:
        stem, ext = ext, ""
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    plain = _NOT_ASCII_NAME.sub("-", plain).strip("-.") or "download"
    ext = _NOT_ASCII_NAME.sub("", ext)
    return f"{plain}.{ext}" if ext else plain


def download_headers(name: str, fallback: str | None = None, *, inline: bool = False) -> dict[str, str]:
    """`{"Content-Disposition": …}` for a file saved as `name` (UTF-8, RFC 5987 `filename*`), `fallback` (ASCII)
    for clients that know only `filename`."""
    name = _clean(name)
    kind = "inline" if inline else "attachment"
    return {"Content-Disposition": f"{kind}; filename=\"{_ascii(fallback or name)}\"; "
                                   f"filename*=UTF-8''{quote(name, safe='')}"}
