"""``python -m stigma_analysis`` runs the command line."""

import sys

from stigma_analysis.cli import main

sys.exit(main())
