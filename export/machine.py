"""The machine a benchmark or study ran on, for its results file (no torch: crosscheck-int8 runs without it)."""

from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from pathlib import Path


def machine(**details: str | int | float) -> dict:
    """CPU, cores, Python, the 1-minute load (other work slows timings), the date, and `details` (versions,
    threads) as given."""
    cpu = "unknown"
    try:
        cpu = next(
            (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
            cpu,
        )
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        **details,
        "loadAverage1m": round(os.getloadavg()[0], 2),
        "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }
