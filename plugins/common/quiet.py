"""Third-party output that tells an ftflow user nothing, silenced for a run unless ``--verbose``.

Each source is silenced at its own switch, set before the library is imported (``ftflow_run_started``
runs before any stage), so it holds in the run's process and, for environment variables, in the
processes it starts; never at ``import ftflow``.  A variable the user set is left as it is.
"""

from __future__ import annotations

import logging
import os

#: Read by the libraries when they are imported.
ENVIRONMENT = {
    # Every tqdm bar: transformers' "Loading weights" and GGUF "Converting and de-quantizing", datasets'
    # "Map", hub downloads.  ftflow draws its own bar for the loops that take time (ftflow.progress).
    "TQDM_DISABLE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    # transformers' load reports and advice about arguments ftflow chose on purpose.
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    # lance (Rust, env_logger): "WARN lance::dataset::write::insert] No existing dataset at ... it will be
    # created", printed for every new table.
    "LANCEDB_LOG": "error",
}
#: Python loggers that print on import through logging's last-resort handler.
LOGGERS = {
    # bitsandbytes.backends.cpu.ops on CPUs with AVX512-BF16, on every run that imports peft/transformers:
    # "Failed to load CPU gemm_4bit_forward from kernels-community: No module named 'kernels'" (it falls
    # back to its own kernel).
    "bitsandbytes": logging.ERROR,
}


def quiet_third_party() -> None:
    """Apply ``ENVIRONMENT`` (where unset) and ``LOGGERS`` in this process."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    for name, level in LOGGERS.items():
        logging.getLogger(name).setLevel(level)
