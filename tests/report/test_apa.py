"""``apa_table`` (issue 17): tidy results as APA tables in Word (editable, no vertical rules)
and LaTeX (booktabs), with the same cell texts everywhere."""

from __future__ import annotations

from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
from docx.oxml.ns import qn

from stigma_analysis.report import ApaTable, apa_table
from stigma_analysis.report._apa import format_p


@pytest.fixture
def coefficients() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": ["(Intercept)", "arm_programme", "wave"],
            "estimate": [2.2512, -0.1834, 0.0449],
            "se": [0.031, 0.045, 0.012],
            "p": [0.0, 0.0341, 0.2],
            "n": [600, 600, 600],
        }
    )


def test_cells_are_formatted_apa_style(coefficients: pd.DataFrame) -> None:
    table = apa_table(coefficients, caption="Model of self-stigma", note="GEE, exchangeable.")
    assert table.cells() == [
        ["term", "estimate", "se", "p", "n"],
        ["(Intercept)", "2.25", "0.03", "< .001", "600"],
        ["arm_programme", "−0.18", "0.04", ".034", "600"],
        ["wave", "0.04", "0.01", ".200", "600"],
    ]
    assert table.numeric == (False, True, True, True, True)
    assert format_p(0.0005) == "< .001"
    assert format_p(0.05) == ".050"


def test_word_table_has_the_cells_and_no_vertical_rules(
    coefficients: pd.DataFrame, tmp_path: Path
) -> None:
    table = apa_table(
        coefficients, caption="Model of self-stigma", note="GEE, exchangeable.", number=2
    )
    path = table.to_docx(tmp_path / "t.docx")
    document = docx.Document(str(path))
    assert len(document.tables) == 1
    word = document.tables[0]
    assert [[c.text for c in row.cells] for row in word.rows] == table.cells()
    borders = word._tbl.tblPr.find(qn("w:tblBorders"))
    sides = {child.tag.split("}")[1]: child.get(qn("w:val")) for child in borders}
    assert sides["left"] == sides["right"] == sides["insideV"] == "nil"
    assert sides["top"] == sides["bottom"] == "single"
    header_rule = word.rows[0].cells[0]._tc.tcPr.find(f"{qn('w:tcBorders')}/{qn('w:bottom')}")
    assert header_rule.get(qn("w:val")) == "single"
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Table 2\nModel of self-stigma"  # caption above the table
    assert texts[1] == "Note. GEE, exchangeable."  # note below


def test_latex_uses_booktabs_and_escapes(coefficients: pd.DataFrame) -> None:
    latex = apa_table(
        coefficients, caption="Fit & invariance (50% rule)", note="ΔCFI < .01", label="tab:m"
    ).to_latex()
    assert latex.index(r"\caption{Fit \& invariance (50\% rule)}") < latex.index(r"\toprule")
    assert r"\begin{tabular}{lrrrr}" in latex  # no vertical rules
    assert "|" not in latex
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert latex.count(rule) == 1
    assert r"arm\_programme & −0.18 & 0.04 & .034 & 600 \\" in latex
    assert r"\textless{} .001" in latex
    assert r"\textit{Note.} ΔCFI \textless{} .01" in latex
    assert r"\label{tab:m}" in latex


def test_index_rename_missing_and_errors() -> None:
    fit = pd.DataFrame(
        {"chisq": [12.345, np.nan], "df": [8, 9], "cfi": [0.991, 0.98]},
        index=pd.Index(["configural", "metric"], name="model"),
    )
    table = apa_table(fit, caption="Invariance", digits={"cfi": 3}, rename={"chisq": "χ²"})
    assert isinstance(table, ApaTable)
    assert table.cells() == [
        ["model", "χ²", "df", "cfi"],
        ["configural", "12.35", "8", "0.991"],
        ["metric", "—", "9", "0.980"],
    ]
    assert "<caption><em>Invariance</em></caption>" in table.to_html()
    with pytest.raises(ValueError, match="caption"):
        apa_table(fit, caption=" ")
    with pytest.raises(TypeError, match="frame must be"):
        apa_table(fit.to_dict(), caption="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="p_columns"):
        apa_table(fit, caption="x", p_columns=["pval"])
