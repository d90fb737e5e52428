"""Official documents as a reader sees them: a .docx printed to PDF by LibreOffice and read back with poppler.

Needs `soffice` (LibreOffice Writer) and poppler's `pdfinfo`, `pdftotext`, `pdfimages`: the `tools` fixture skips
locally when one is missing and fails in CI (CI=true), where .ci/run installs them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

TOOLS = ("soffice", "pdfinfo", "pdftotext", "pdfimages")


@pytest.fixture
def tools():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        reason = f"needs {', '.join(missing)} (apt-get install libreoffice-writer-nogui poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the LibreOffice test: {reason}")
        pytest.skip(reason)


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=300).stdout


def to_pdf(docx: Path, out_dir: Path) -> Path:
    profile = out_dir / "lo-profile"  # a profile of its own: another soffice on the machine does not interfere
    run("soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", "pdf",
        "--outdir", str(out_dir), str(docx))
    return out_dir / (docx.stem + ".pdf")


@dataclass
class Printed:
    """What the PDF shows: its pages, page size in points, and its text (`pdftotext -layout`)."""

    pdf: Path
    pages: int
    size: tuple[float, float]
    text: str

    @property
    def flat(self) -> str:
        """The text without any white space (lines break anywhere in Chinese)."""
        return re.sub(r"\s+", "", self.text)

    @property
    def a4(self) -> bool:
        return abs(self.size[0] - 595.3) < 1 and abs(self.size[1] - 841.9) < 1


def printed(docx: Path, out_dir: Path) -> Printed:
    """Print `docx` with LibreOffice and read the PDF back."""
    pdf = to_pdf(docx, out_dir)
    info = run("pdfinfo", str(pdf))
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return Printed(pdf, pages, (w, h), run("pdftotext", "-layout", str(pdf), "-"))


def assert_page_numbers(doc: Printed) -> None:
    """Every page ends in its number "— N —": odd pages on the right, even pages on the left."""
    for n, page in enumerate(doc.text.split("\f")[:doc.pages], start=1):
        last = [line for line in page.splitlines() if line.strip()][-1]
        assert re.fullmatch(rf"—\s*{n}\s*—", last.strip()), (n, last)  # pdftotext may drop the thin spaces
        indent = len(last) - len(last.lstrip())
        assert (indent > 25) if n % 2 else (indent < 10), (n, last)
