"""desa-digital serve tunes Python's garbage collector once before serving (assessment.platform.serving.settle_heap)."""

from __future__ import annotations

import subprocess
import sys

from assessment.platform.serving import GC_THRESHOLDS


def test_settle_heap_freezes_what_exists_and_raises_the_young_threshold() -> None:
    # In a child process: freezing the test runner's own heap would keep every later test's garbage.
    code = (
        "import gc; from assessment.platform.serving import settle_heap; settle_heap(); "
        "print(gc.get_threshold(), gc.get_freeze_count() > 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == f"{GC_THRESHOLDS} True"
