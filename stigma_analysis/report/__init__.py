"""Reports: render Quarto documents to self-contained HTML, with or without Quarto.

``render()`` runs ``quarto render`` when Quarto is installed; otherwise it executes the
document's ``{python}`` cells in a fresh Jupyter kernel and writes one HTML file with the
figures embedded. ``stamp()`` builds the reproducibility stamp that ends every report, and
``show_table()`` formats a result table with fixed precision, and ``apa_table()`` makes an
APA-style table for a paper (Word or LaTeX). ``context()`` builds what the report documents
share (study, privacy gate, scores, design, seed, display helpers); ``participant_flow()``
draws the participant flow through the privacy gate.
"""

from __future__ import annotations

from stigma_analysis.report._apa import ApaTable, apa_table
from stigma_analysis.report._context import ReportContext, context
from stigma_analysis.report._flow import FlowDiagram, participant_flow
from stigma_analysis.report._render import render
from stigma_analysis.report._show import Table, show_table
from stigma_analysis.report._stamp import Stamp, stamp

__all__ = [
    "ApaTable",
    "FlowDiagram",
    "ReportContext",
    "Stamp",
    "Table",
    "apa_table",
    "context",
    "participant_flow",
    "render",
    "show_table",
    "stamp",
]
