"""Engines that answer the value of a series over a span (see ``tradecli.series``)."""
