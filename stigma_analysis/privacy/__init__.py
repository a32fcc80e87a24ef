"""Privacy: find personal data, pseudonymise ids, suppress small cells, and one gate to publish.

Every table or figure that reaches a report passes :func:`disclose` (ARCHITECTURE.md,
principle 2). A study builds one :class:`DisclosurePolicy` from its ``privacy:`` block and calls
``policy.disclose(obj)``.

- :func:`scan_pii` - columns that look like personal data, by name and content.
- :func:`load_key`, :func:`pseudonymize` - keyed HMAC-SHA256 pseudonyms, stable across waves;
  :func:`key_weakness` / :class:`WeakKeyWarning` - guessable keys.
- :func:`suppress`, :func:`suppression_mask` - primary and complementary cell suppression,
  audited against an attacker who knows the margins and the ``<5`` bound.
- :func:`k_anonymity` - the smallest equivalence class and the records at risk.
- :func:`disclose`, :class:`DisclosurePolicy` - the gate.

Private modules: ``_pii`` (personal-data scan, keys, pseudonyms), ``_suppress`` (cell
suppression, k-anonymity), ``_audit`` (the feasible interval of each hidden cell),
``_disclose`` (the gate).
"""

from __future__ import annotations

from stigma_analysis.privacy._disclose import DisclosurePolicy, disclose
from stigma_analysis.privacy._pii import (
    MIN_KEY_BYTES,
    PII_COLUMNS,
    PseudonymKey,
    WeakKeyWarning,
    key_weakness,
    load_key,
    pseudonymize,
    scan_pii,
)
from stigma_analysis.privacy._suppress import (
    DEFAULT_K,
    KAnonymityResult,
    default_count_columns,
    k_anonymity,
    suppress,
    suppression_mask,
)

__all__ = [
    "DEFAULT_K",
    "MIN_KEY_BYTES",
    "PII_COLUMNS",
    "DisclosurePolicy",
    "KAnonymityResult",
    "PseudonymKey",
    "WeakKeyWarning",
    "default_count_columns",
    "disclose",
    "k_anonymity",
    "key_weakness",
    "load_key",
    "pseudonymize",
    "scan_pii",
    "suppress",
    "suppression_mask",
]
