"""A client for Tally: uploads NDJSON records, streams their events, reports every skipped and
rejected line. Standard library only."""

from .client import TallyClient, UploadResult
from .errors import ConnectionLost, TallyError, TallyHTTPError
from .events import ChunkCommitted, Event, JobEnded, JobStarted, Resuming

__all__ = ["TallyClient", "UploadResult", "TallyError", "TallyHTTPError", "ConnectionLost",
           "Event", "JobStarted", "ChunkCommitted", "JobEnded", "Resuming"]
__version__ = "0.1.0"
