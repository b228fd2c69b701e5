"""The explorer in the user's own Python: record(), explore(), standalone pages and a notebook widget."""

from autograd_explorer.notebook.record import explore, record
from autograd_explorer.notebook.recording import Recording
from autograd_explorer.notebook.shaping import RecordLimits

__all__ = ["RecordLimits", "Recording", "explore", "record"]
