"""plugins/train/profile.py: the sync census that goes into profile.txt (the CUDA part runs on the GPU
through ``method.profile_steps``; here torch's warning is raised by hand, as its sync debug mode does)."""

import warnings

import torch

from ftflow_plugins.train.profile import SYNC_WARNING, SyncSites


def read_back_to_host() -> None:
    warnings.warn(SYNC_WARNING, UserWarning, stacklevel=1)


def test_sync_sites_counts_each_sync_by_the_python_line_that_asked(monkeypatch):
    modes = []
    monkeypatch.setattr(torch.cuda, "set_sync_debug_mode", modes.append)
    with warnings.catch_warnings(record=True) as passed_on, SyncSites() as syncs:
        for _ in range(3):
            read_back_to_host()
        warnings.warn("an unrelated warning", UserWarning, stacklevel=1)
    assert modes == ["warn", "default"]
    [(site, count)] = syncs.sites.items()
    assert count == 3 and "test_profile.py" in site and "read_back_to_host" in site
    assert [str(w.message) for w in passed_on] == ["an unrelated warning"]  # other warnings still shown
    report = syncs.report(steps=3)
    assert report.startswith("Host-device syncs: 3 in 3 steps (1.0 per step)") and "read_back_to_host" in report
