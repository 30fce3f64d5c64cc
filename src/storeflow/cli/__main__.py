"""``python -m storeflow.cli``: the ``storeflow`` command without its console script."""

import sys

from storeflow.cli import main

sys.exit(main())
