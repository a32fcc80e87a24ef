"""Reports: render Quarto documents to self-contained HTML, with or without Quarto.

``render()`` runs ``quarto render`` when Quarto is installed; otherwise it executes the
document's ``{python}`` cells in a fresh Jupyter kernel and writes one HTML file with the
figures embedded. ``stamp()`` builds the reproducibility stamp that ends every report, and
``show_table()`` formats a result table with fixed precision. ``context()`` builds what the
report documents share (study, privacy gate, scores, design, seed, display helpers).
"""

from __future__ import annotations

from stigma_analysis.report._context import ReportContext, context
from stigma_analysis.report._render import render
from stigma_analysis.report._show import Table, show_table
from stigma_analysis.report._stamp import Stamp, stamp

__all__ = ["ReportContext", "Stamp", "Table", "context", "render", "show_table", "stamp"]
