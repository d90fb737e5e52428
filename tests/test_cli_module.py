"""`python -m dutydesk` runs the CLI, as `dutydesk` does (an operator with a checkout but no script on PATH)."""

import subprocess
import sys


def test_python_m_dutydesk_is_the_cli():
    out = subprocess.run([sys.executable, "-m", "dutydesk", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "serve" in out.stdout and "roster" in out.stdout
