import gc
import sys

import torch

from autograd_explorer.process_setup import LAZY_TORCH_MODULES, configure_process


def test_configure_process_pins_one_thread_preloads_and_freezes() -> None:
    before = torch.get_num_threads()
    try:
        configure_process()
        assert torch.get_num_threads() == 1
        assert all(name in sys.modules for name in LAZY_TORCH_MODULES)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        torch.set_num_threads(before)
