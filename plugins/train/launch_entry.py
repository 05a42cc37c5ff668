"""Per-rank entry of ``launcher=torchrun``: rebuild the training stage from the spec and run it.

Run as ``torchrun ... -m ftflow_plugins.train.launch_entry SPEC``; every rank trains, rank 0 writes the
artifact (``train_with`` saves on the main process only) and ``launch_result.json`` for the parent.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(spec_path: str) -> int:
    from ftflow.pipeline import stage_from_record
    from ftflow.plugin.manager import load_plugins
    from ftflow.stage import Artifact, StageContext
    from ftflow_plugins.train.launchers import RESULT_FILE

    spec = json.loads(Path(spec_path).read_text())
    stage = stage_from_record(spec["stage"], load_plugins().registry)  # the keyed stage the runner made
    rank = int(os.environ.get("RANK", "0"))
    ctx = StageContext(
        stage=stage,
        inputs={n: Artifact(Path(a["path"]), a["digest"], a["metadata"], a.get("settings", {}))
                for n, a in spec["inputs"].items()},
        output_dir=Path(spec["output_dir"]), work_dir=Path(spec["work_dir"]), seed=spec["seed"],
        recipe_dirs=[Path(d) for d in spec["recipe_dirs"]],
        log=(lambda message: print(f"  {message}", flush=True)) if rank == 0 else (lambda message: None),
    )
    metadata = stage.provider.run(ctx)
    if rank == 0:
        (ctx.work_dir / RESULT_FILE).write_text(json.dumps(metadata))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
