"""``python -m stigma_analysis.simulate FOLDER``: write the synthetic example study."""

from stigma_analysis.simulate._study import main

raise SystemExit(main())
