"""`python -m peerbridge_simulator`: the same as `peerbridge-simulate`."""

import sys

from .cli import main

sys.exit(main())
