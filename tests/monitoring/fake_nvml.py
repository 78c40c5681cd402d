"""Build tests/monitoring/fake_nvml.c into a ``libnvidia-ml.so.1`` (gcc from the machine)."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).with_name("fake_nvml.c")
SONAME = "libnvidia-ml.so.1"


def build(directory: Path) -> Path:
    """Compile the fake NVML into ``directory/libnvidia-ml.so.1`` and return its path."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise RuntimeError("a C compiler (cc or gcc) is needed to build the fake NVML")
    library = directory / SONAME
    subprocess.run(
        [compiler, "-shared", "-fPIC", f"-Wl,-soname,{SONAME}", "-o", str(library), str(SOURCE)], check=True
    )
    return library


def preload(library: Path) -> None:
    """Load it into this process: nvidia-ml-py's ``CDLL("libnvidia-ml.so.1")`` then finds it by soname."""
    ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
