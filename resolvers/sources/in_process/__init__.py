"""The in-process transport of AdministrationSource."""

from resolvers.sources.in_process.source import InProcessSource, system_clock

__all__ = ["InProcessSource", "system_clock"]
