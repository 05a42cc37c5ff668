"""ftflow: declarative, cached, shareable LLM fine-tuning pipelines.

The engine (this package) never imports heavy libraries at module level; plugins in
``ftflow_plugins`` (repo folder ``plugins/``) import torch and friends inside the functions
that need them, so planning and fully cached reruns stay fast.
"""

__version__ = "0.1.0"
